/// Counts per packed (client, user) pair (`Aggregate.key`), for the users each client tried.
///
/// Every failed 401 with a user adds one; a `Dictionary<Int64, Int>` hashed with SipHash each time.
/// This open-addressing table keeps key and count inline (16 bytes a slot) and a cheap multiplicative
/// hash; it only grows (pairs are never removed).
struct PairCounter: Sequence {
    fileprivate struct Slot {
        /// `PairCounter.empty` when free (no real key has it: client ids are never negative).
        var key: Int64 = PairCounter.empty
        var count = 0
    }

    private static let empty = Int64.min

    private var slots: [Slot]
    private var mask: Int
    private var shift: UInt64
    private(set) var count = 0

    init() {
        slots = [Slot](repeating: Slot(), count: 64)
        mask = 63
        shift = 64 - 6
    }

    @inline(__always)
    private static func home(_ key: Int64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: key) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Adds `n` to the count of `key`.
    @inline(__always)
    mutating func add(_ key: Int64, _ n: Int = 1) {
        let m = mask
        let start = PairCounter.home(key, shift)
        let added: Bool = slots.withUnsafeMutableBufferPointer { table in
            var i = start
            while true {
                let k = table[i].key
                if k == key {
                    table[i].count += n
                    return false
                }
                if k == PairCounter.empty {
                    table[i] = Slot(key: key, count: n)
                    return true
                }
                i = (i + 1) & m
            }
        }
        if added {
            count += 1
            // grow at 3/4 full: the multiplicative hash spreads packed ids well, and the table is the
            // largest per-chunk structure on a big log (one slot per distinct client and user tried)
            if count * 4 > slots.count * 3 { grow() }
        }
    }

    /// The count of `key` (0 when never added).
    func value(_ key: Int64) -> Int {
        var i = PairCounter.home(key, shift)
        while slots[i].key != PairCounter.empty {
            if slots[i].key == key { return slots[i].count }
            i = (i + 1) & mask
        }
        return 0
    }

    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        shift -= 1
        for slot in old where slot.key != PairCounter.empty {
            var i = PairCounter.home(slot.key, shift)
            while slots[i].key != PairCounter.empty { i = (i + 1) & mask }
            slots[i] = slot
        }
    }

    /// (key, count) pairs in table order (callers that need an order sort them).
    struct Iterator: IteratorProtocol {
        fileprivate let slots: [Slot]
        fileprivate var i = 0

        mutating func next() -> (Int64, Int)? {
            while i < slots.count {
                let s = slots[i]
                i += 1
                if s.key != PairCounter.empty { return (s.key, s.count) }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(slots: slots) }
}
