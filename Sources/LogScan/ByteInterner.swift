import CPrefetch

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
    /// Per slot, a word its owner keeps for the key (`internSlot`, `value`): the client table keeps a
    /// client's 2xx count and newest 401 there (`Aggregate.successMask`), so a line's client lookup and
    /// count touch the cache lines `prefetch` loaded, not one more indexed by id. Moves with its slot
    /// when the table grows.
    private var values: [UInt64]
    private var mask: Int

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Slot](repeating: Slot(), count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    var count: Int { starts.count }

    /// Hash of the bytes, plus `k0`/`k1`: for keys up to 16 bytes, the bytes themselves in a form that
    /// is one-to-one for a given length (the inline key; equal keys have equal `k0`/`k1`).
    ///
    /// Keys are read with a few overlapping loads chosen by length, never past `base + count` and with
    /// no per-byte loop: the addresses, user names and paths of a log are mostly 7–20 bytes long, and a
    /// byte loop whose trip count changes from line to line costs a branch misprediction on most lines.
    @inline(__always)
    static func hash(_ base: UnsafePointer<UInt8>, _ count: Int) -> (UInt64, UInt64, UInt64) {
        let raw = UnsafeRawPointer(base)
        var k0: UInt64 = 0
        var k1: UInt64 = 0
        if count >= 8 {
            k0 = raw.loadUnaligned(as: UInt64.self)
            if count > 8 {
                // bytes 8..<min(count, 16), from the last 8 bytes of the first 16
                let upto = Swift.min(count, 16)
                let last = raw.loadUnaligned(fromByteOffset: upto - 8, as: UInt64.self)
                k1 = last &>> UInt64((16 - upto) * 8)
            }
        } else if count >= 4 {
            let lo = UInt64(raw.loadUnaligned(as: UInt32.self))
            let hi = UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
            k0 = lo | ((hi &>> UInt64((8 - count) * 8)) << 32)
        } else if count > 0 {
            // 1–3 bytes: first, middle and last byte (one-to-one for a given length)
            k0 = UInt64(base[0]) | UInt64(base[count >> 1]) << 8 | UInt64(base[count - 1]) << 16
        }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(truncatingIfNeeded: count)
        h = (h ^ k0) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 29
        h = (h ^ k1) &* 0xBF58_476D_1CE4_E5B9
        if count > 16 {
            // longer keys: every further 8 bytes, the last (overlapping) word for the tail
            var i = 16
            while i + 8 < count {
                h ^= h >> 29
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                i += 8
            }
            h ^= h >> 29
            h = (h ^ raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
        }
        h ^= h >> 31
        return (h, k0, k1)
    }

    /// Long keys compare against the arena.
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        memcmp(a, b, count) == 0
    }

    /// Starts loading the table slot where a lookup of these bytes begins, and its value (see `CPrefetch`).
    @inline(__always)
    func prefetch(_ base: UnsafePointer<UInt8>, _ count: Int) {
        let index = Int(truncatingIfNeeded: ByteInterner.hash(base, count).0) & mask
        slots.withUnsafeBufferPointer { why401_prefetch($0.baseAddress! + index) }
        values.withUnsafeBufferPointer { why401_prefetch($0.baseAddress! + index) }
    }

    /// The id of these bytes, adding them when new.
    @inline(__always)
    mutating func intern(_ base: UnsafePointer<UInt8>, _ count: Int) -> Int32 {
        internSlot(base, count).id
    }

    /// The value word of `slot` (0 for a new key).
    @inline(__always)
    func value(_ slot: Int) -> UInt64 {
        values.withUnsafeBufferPointer { $0[slot] }
    }

    @inline(__always)
    mutating func setValue(_ slot: Int, _ value: UInt64) {
        values.withUnsafeMutableBufferPointer { $0[slot] = value }
    }

    /// The value words by id.
    func valuesByID() -> [UInt64] {
        var out = [UInt64](repeating: 0, count: count)
        for (i, slot) in slots.enumerated() where slot.id != 0 { out[Int(slot.id) - 1] = values[i] }
        return out
    }

    /// The id of these bytes, adding them when new, and the slot holding them (valid until the next
    /// key is added: the table may grow).
    @inline(__always)
    mutating func internSlot(_ base: UnsafePointer<UInt8>, _ count: Int) -> (id: Int32, slot: Int) {
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
                        let same = arena.withUnsafeBufferPointer {
                            ByteInterner.equal($0.baseAddress! + start, base, count)
                        }
                        if same { return slot.id - 1 }
                    }
                }
                index = (index + 1) & mask
            }
        }
        if let found { return (found, index) }
        let id = starts.count
        starts.append(arena.count)
        lengths.append(count)
        arena.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
        slots[index] = Slot(hash: h, id: Int32(id + 1), count: Int32(count), k0: k0, k1: k1)
        if starts.count * 4 > slots.count * 3 {
            grow()
            // the new key's slot moved
            index = Int(truncatingIfNeeded: h) & mask
            while slots[index].id != Int32(id + 1) { index = (index + 1) & mask }
        }
        return (Int32(id), index)
    }

    mutating func intern(_ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBufferPointer { buf in
            intern(buf.baseAddress ?? UnsafePointer(bitPattern: 1)!, buf.count)
        }
    }

    mutating func intern(_ text: String) -> Int32 { intern(Array(text.utf8)) }

    private mutating func grow() {
        let old = slots
        let oldValues = values
        let size = slots.count * 2
        slots = [Slot](repeating: Slot(), count: size)
        values = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for (i, slot) in old.enumerated() where slot.id != 0 {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].id != 0 { index = (index + 1) & mask }
            slots[index] = slot
            values[index] = oldValues[i]
        }
    }

    func bytes(_ id: Int32) -> ArraySlice<UInt8> {
        arena[starts[Int(id)]..<(starts[Int(id)] + lengths[Int(id)])]
    }

    /// Whether the bytes of `a` sort before those of `b` (unsigned bytes; a prefix first).
    func precedes(_ a: Int32, _ b: Int32) -> Bool {
        arena.withUnsafeBufferPointer { ByteInterner.precedes(a, b, $0.baseAddress, starts, lengths) }
    }

    @inline(__always)
    private static func precedes<S: RandomAccessCollection<Int>>(
        _ a: Int32, _ b: Int32, _ arena: UnsafePointer<UInt8>?, _ starts: S, _ lengths: S
    ) -> Bool where S.Index == Int {
        let la = lengths[Int(a)]
        let lb = lengths[Int(b)]
        guard let arena else { return la < lb }
        let order = memcmp(arena + starts[Int(a)], arena + starts[Int(b)], Swift.min(la, lb))
        return order != 0 ? order < 0 : la < lb
    }

    /// The ids whose count is above zero, by count (largest first), then by their bytes, so that ties are
    /// ordered the same whatever the input order. Compared in place, without a String per id.
    func ranked(by counts: [Int]) -> [Int32] {
        var ids: [Int32] = []
        for (id, n) in counts.enumerated() where n > 0 { ids.append(Int32(id)) }
        arena.withUnsafeBufferPointer { arena in
            starts.withUnsafeBufferPointer { starts in
                lengths.withUnsafeBufferPointer { lengths in
                    counts.withUnsafeBufferPointer { counts in
                        ids.sort { a, b in
                            let ca = counts[Int(a)]
                            let cb = counts[Int(b)]
                            return ca != cb ? ca > cb : ByteInterner.precedes(a, b, arena.baseAddress, starts, lengths)
                        }
                    }
                }
            }
        }
        return ids
    }

    /// Log bytes are mostly ASCII; invalid UTF-8 (binary request lines) is repaired, not dropped.
    func string(_ id: Int32) -> String {
        String(decoding: bytes(id), as: UTF8.self)
    }
}
