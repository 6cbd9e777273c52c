#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Assigns dense ids to byte strings without creating a `String` per lookup.
///
/// The scanner sees the same few thousand client addresses, paths and user names millions of times;
/// hashing the bytes in place and comparing them against the table is much cheaper than building a
/// `String` for every line. Each slot holds the full hash and, for keys up to 16 bytes (IPv4
/// addresses, most user names), the key itself: a lookup then touches one cache line.
/// Strings are made only once per distinct value (`string(_:)`).
struct ByteInterner {
    private struct Slot {
        var hash: UInt64 = 0
        /// id + 1, 0 = empty
        var id: Int32 = 0
        var count: Int32 = 0
        var k0: UInt64 = 0
        var k1: UInt64 = 0
    }

    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var lengths: [Int] = []
    private var slots: [Slot]
    private var mask: Int

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
    }

    var count: Int { starts.count }

    /// Hash of the bytes, plus the first 16 bytes zero-padded (the inline key when `count <= 16`).
    @inline(__always)
    static func hash(_ base: UnsafePointer<UInt8>, _ count: Int) -> (UInt64, UInt64, UInt64) {
        let raw = UnsafeRawPointer(base)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: count)
        var k0: UInt64 = 0, k1: UInt64 = 0
        var i = 0
        while i + 8 <= count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if i == 0 { k0 = w } else if i == 8 { k1 = w }
            h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 29
            i += 8
        }
        if i < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            let at = i
            while i < count {
                tail |= UInt64(base[i]) << shift
                shift += 8
                i += 1
            }
            if at == 0 { k0 = tail } else if at == 8 { k1 = tail }
            h = (h ^ tail) &* 0xBF58_476D_1CE4_E5B9
        } else {
            h = h &* 0xBF58_476D_1CE4_E5B9
        }
        h ^= h >> 31
        return (h, k0, k1)
    }

    /// Long keys compare against the arena.
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        memcmp(a, b, count) == 0
    }

    /// The id of these bytes, adding them when new.
    @inline(__always)
    mutating func intern(_ base: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
        let (h, k0, k1) = ByteInterner.hash(base, count)
        let short = count <= 16
        var index = Int(truncatingIfNeeded: h) & mask
        let found: Int32? = slots.withUnsafeBufferPointer { table in
            while true {
                let slot = table[index]
                if slot.id == 0 { return nil }
                if slot.hash == h && Int(slot.count) == count {
                    if short {
                        if slot.k0 == k0 && slot.k1 == k1 { return slot.id - 1 }
                    } else {
                        let start = starts[Int(slot.id) - 1]
                        let same = arena.withUnsafeBufferPointer { ByteInterner.equal($0.baseAddress! + start, base, count) }
                        if same { return slot.id - 1 }
                    }
                }
                index = (index + 1) & mask
            }
        }
        if let found { return found }
        let id = starts.count
        starts.append(arena.count)
        lengths.append(count)
        arena.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        slots[index] = Slot(hash: h, id: Int32(id + 1), count: Int32(count), k0: k0, k1: k1)
        if starts.count * 4 > slots.count * 3 { grow() }
        return Int32(id)
    }

    mutating func intern(_ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBufferPointer { buf in
            intern(buf.baseAddress ?? UnsafePointer(bitPattern: 1)!, buf.count)
        }
    }

    mutating func intern(_ text: String) -> Int32 { intern(Array(text.utf8)) }

    private mutating func grow() {
        let old = slots
        let size = slots.count * 2
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
        for slot in old where slot.id != 0 {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].id != 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    func bytes(_ id: Int32) -> ArraySlice<UInt8> {
        arena[starts[Int(id)]..<(starts[Int(id)] + lengths[Int(id)])]
    }

    /// Log bytes are mostly ASCII; invalid UTF-8 (binary request lines) is repaired, not dropped.
    func string(_ id: Int32) -> String {
        String(decoding: bytes(id), as: UTF8.self)
    }
}
