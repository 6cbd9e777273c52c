import TestSupport
import Testing

// The two open-addressing tables of the handshake pairing and the (client, user) counts, against a
// Dictionary doing the same random operations (deletion by backward shift is easy to get wrong).
@testable import LogScan

@Suite("LogScan pending tables")
struct PendingTableTests {
    @Test("PendingIndex finds, updates and removes keys like a Dictionary")
    func pendingIndexMatchesDictionary() {
        var table = PendingIndex(capacity: 4)
        var model: [Int64: (Int, Int)] = [:]
        var rng = SplitMix64(state: 7)
        for step in 0..<60_000 {
            // few distinct keys, clustered, so probe runs are long and wrap around the table
            let key = Aggregate.key(Int32(rng.next() % 300), Int32(truncatingIfNeeded: Int(rng.next() % 3) - 1))
            switch rng.next() % 3 {
            case 0:
                let (slot, found) = table.findOrInsert(key)
                #expect(found == (model[key] != nil))
                table.set(slot, first: step, last: step + 1)
                model[key] = (step, step + 1)
            case 1:
                if let slot = table.find(key) {
                    #expect(model[key] != nil)
                    table.remove(slot)
                    model[key] = nil
                } else {
                    #expect(model[key] == nil)
                }
            default:
                let slot = table.find(key)
                #expect((slot != nil) == (model[key] != nil))
                if let slot, let m = model[key] {
                    #expect(table.first(slot) == m.0 && table.last(slot) == m.1)
                }
            }
            #expect(table.count == model.count)
        }
        for (key, m) in model {
            let slot = table.find(key)
            #expect(slot != nil && table.first(slot!) == m.0 && table.last(slot!) == m.1)
        }
    }

    @Test("PairCounter sums per key like a Dictionary and lists every key once")
    func pairCounterMatchesDictionary() {
        var counter = PairCounter()
        var model: [Int64: Int] = [:]
        var rng = SplitMix64(state: 11)
        for _ in 0..<50_000 {
            let key = Aggregate.key(Int32(rng.next() % 2000), Int32(rng.next() % 5))
            let n = Int(rng.next() % 3) + 1
            counter.add(key, n)
            model[key, default: 0] += n
        }
        #expect(counter.count == model.count)
        var listed: [Int64: Int] = [:]
        for (k, n) in counter {
            #expect(listed[k] == nil)
            listed[k] = n
        }
        #expect(listed == model)
        #expect(counter.value(Aggregate.key(5000, 0)) == 0)
    }
}
