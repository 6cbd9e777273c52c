/// The open 401s of each (client, path) key: an open-addressing table whose slots hold the key and the
/// first and last sequence number of that key's open 401s, linked through `Pending.next` in queue order.
///
/// A `Dictionary<Int64, [Int]>` allocated an array and hashed with SipHash for every 401; this table
/// stores everything inline (one cache line per lookup), and deletes by backward shift (no tombstones),
/// so it stays as small as the 401s open at once.
struct PendingIndex {
    struct Slot {
        /// `PendingIndex.empty` when free (no real key has it: client ids are never negative).
        var key: Int64 = PendingIndex.empty
        var first: Int = -1
        var last: Int = -1
    }

    static let empty = Int64.min

    private(set) var slots: [Slot]
    private var mask: Int
    private var shift: UInt64
    private(set) var count = 0

    init(capacity: Int = 256) {
        var size = 16
        var bits: UInt64 = 4
        while size < capacity * 2 {
            size <<= 1
            bits += 1
        }
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
        shift = 64 - bits
    }

    @inline(__always)
    private func home(_ key: Int64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot index holding `key`, or nil.
    @inline(__always)
    func find(_ key: Int64) -> Int? {
        slots.withUnsafeBufferPointer { table in
            var i = home(key)
            while true {
                let k = table[i].key
                if k == key { return i }
                if k == PendingIndex.empty { return nil }
                i = (i + 1) & mask
            }
        }
    }

    /// The slot index for `key`, and whether it was there already; a new slot is claimed (first = last = -1).
    @inline(__always)
    mutating func findOrInsert(_ key: Int64) -> (Int, Bool) {
        if (count + 1) * 2 > slots.count { grow() }
        let m = mask
        let start = home(key)
        let result: (Int, Bool) = slots.withUnsafeMutableBufferPointer { table in
            var i = start
            while true {
                let k = table[i].key
                if k == key { return (i, true) }
                if k == PendingIndex.empty {
                    table[i].key = key
                    return (i, false)
                }
                i = (i + 1) & m
            }
        }
        if !result.1 { count += 1 }
        return result
    }

    @inline(__always)
    func first(_ slot: Int) -> Int { slots[slot].first }
    @inline(__always)
    func last(_ slot: Int) -> Int { slots[slot].last }

    @inline(__always)
    mutating func set(_ slot: Int, first: Int, last: Int) {
        slots.withUnsafeMutableBufferPointer { table in
            table[slot].first = first
            table[slot].last = last
        }
    }

    @inline(__always)
    mutating func setFirst(_ slot: Int, _ first: Int) {
        slots.withUnsafeMutableBufferPointer { $0[slot].first = first }
    }

    @inline(__always)
    mutating func setLast(_ slot: Int, _ last: Int) {
        slots.withUnsafeMutableBufferPointer { $0[slot].last = last }
    }

    /// Frees `slot`, moving later entries of its probe run back so lookups never need tombstones.
    mutating func remove(_ slot: Int) {
        let m = mask
        let sh = shift
        slots.withUnsafeMutableBufferPointer { table in
            var hole = slot
            var i = (slot + 1) & m
            while table[i].key != PendingIndex.empty {
                let h = Int(truncatingIfNeeded: (UInt64(bitPattern: table[i].key) &* 0x9E37_79B9_7F4A_7C15) >> sh)
                // entry i may move to the hole when its home is not cyclically in (hole, i]
                let distI = (i - h) & m
                let distHole = (hole - h) & m
                if distHole <= distI {
                    table[hole] = table[i]
                    hole = i
                }
                i = (i + 1) & m
            }
            table[hole] = Slot()
        }
        count -= 1
    }

    mutating func removeAll() {
        guard count > 0 else { return }
        for i in slots.indices { slots[i] = Slot() }
        count = 0
    }

    private mutating func grow() {
        let old = slots
        let size = slots.count * 2
        slots = [Slot](repeating: Slot(), count: size)
        mask = size - 1
        shift -= 1
        for slot in old where slot.key != PendingIndex.empty {
            var i = home(slot.key)
            while slots[i].key != PendingIndex.empty { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}
