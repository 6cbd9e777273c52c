import TestSupport
import Testing

// The byte-level pieces the scanner's speed rests on, against plain Swift doing the same thing:
// the interner's length-dependent loads, the word-at-a-time byte searches, the timestamp cache.
// Each draws random inputs around the edges that matter (lengths 0–40, matches at every position,
// bytes with the high bit set) from a fixed seed.
@testable import LogScan

@Suite("LogScan byte scanning")
struct ByteScanTests {
    /// Random bytes from a small alphabet (so keys collide in prefixes) plus high-bit bytes.
    static func bytes(_ count: Int, _ rng: inout SplitMix64) -> [UInt8] {
        let alphabet: [UInt8] = [0x2E, 0x31, 0x32, 0x3A, 0x61, 0x62, 0x00, 0xFF, 0x80, 0x20]
        return (0..<count).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
    }

    @Test("ByteInterner gives equal bytes one id and different bytes different ids, for every length 0–40")
    func internerMatchesDictionary() {
        var rng = SplitMix64(state: 11)
        var interner = ByteInterner(capacity: 4)
        var model: [[UInt8]: Int32] = [:]
        for _ in 0..<40_000 {
            let key = Self.bytes(Int(rng.next() % 41), &rng)
            // each key sits at a random offset of a larger buffer: loads must stay inside the key
            let pad = Int(rng.next() % 9)
            var buffer = Self.bytes(pad, &rng) + key + Self.bytes(Int(rng.next() % 9), &rng)
            let id = buffer.withUnsafeMutableBufferPointer { buf in
                interner.intern(UnsafePointer(buf.baseAddress!) + pad, key.count)
            }
            if let known = model[key] {
                #expect(id == known, "key \(key) got a second id")
            } else {
                #expect(Int(id) == model.count, "new key \(key) did not get the next id")
                model[key] = id
            }
            buffer.removeAll()
        }
        #expect(interner.count == model.count)
        for (key, id) in model { #expect(Array(interner.bytes(id)) == key) }
    }

    @Test("keys that differ in one byte, at any position of any length, get different ids")
    func internerSeparatesOneByteChanges() {
        var interner = ByteInterner()
        var seen = Set<Int32>()
        for length in 1...40 {
            let base = [UInt8](repeating: 0x61, count: length)
            #expect(seen.insert(interner.intern(base)).inserted)
            for position in 0..<length {
                var changed = base
                changed[position] = 0x62
                #expect(seen.insert(interner.intern(changed)).inserted, "length \(length), byte \(position)")
            }
        }
        #expect(interner.intern([]) == interner.intern([]))
    }

    @Test("ranked orders by count, then by bytes as unsigned, a prefix first")
    func rankedOrder() {
        var interner = ByteInterner()
        let names: [[UInt8]] = [[0x62], [0x61, 0x62], [0x61], [0xC3, 0xA9], [0x7A], [0x61, 0x61, 0x61]]
        for n in names { _ = interner.intern(n) }
        let counts = [2, 5, 2, 2, 0, 5]
        let order = interner.ranked(by: counts).map { Array(interner.bytes($0)) }
        #expect(order == [[0x61, 0x61, 0x61], [0x61, 0x62], [0x61], [0x62], [0xC3, 0xA9]])
    }

    @Test("findNear and findEither find the first match like a plain loop, within the bounds")
    func searchesMatchPlainLoop() {
        var rng = SplitMix64(state: 5)
        for _ in 0..<20_000 {
            let line = Self.bytes(Int(rng.next() % 70), &rng)
            let from = line.isEmpty ? 0 : Int(rng.next() % UInt64(line.count + 1))
            let n = from + Int(rng.next() % UInt64(line.count - from + 1))
            let a: UInt8 = [0x20, 0x3A, 0xFF, 0x00][Int(rng.next() % 4)]
            let b: UInt8 = [0x2E, 0x80, 0x61][Int(rng.next() % 3)]
            let expectedNear = (from..<n).first { line[$0] == a }
            let expectedEither = (from..<n).first { line[$0] == a || line[$0] == b }
            line.withUnsafeBufferPointer { buf in
                let p = buf.baseAddress ?? UnsafePointer(bitPattern: 1)!
                #expect(Scan.findNear(p, from, n, a) == expectedNear, "\(line) from \(from) to \(n) for \(a)")
                #expect(
                    Scan.findEither(p, from, n, a, b) == expectedEither, "\(line) from \(from) to \(n) for \(a)|\(b)")
            }
        }
    }

    @Test("closingQuote skips quotes escaped by an odd number of backslashes")
    func closingQuote() {
        let cases: [(String, Int?)] = [
            (#"GET / HTTP/1.1" 401"#, 14), (#"a\"b" 1"#, 4), (#"a\\"b"#, 3), (#"a\\\"b"x"#, 6), (#"\"#, nil),
            (#""#, nil), (#"""#, 0), (#"0123456789abcdefghij\"klmnop" x"#, 28),
        ]
        for (text, expected) in cases {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { buf in
                #expect(
                    Scan.closingQuote(buf.baseAddress ?? UnsafePointer(bitPattern: 1)!, 0, bytes.count) == expected,
                    "\(text)")
            }
        }
    }

    @Test("the timestamp cache returns what a fresh parse returns, for repeated, changed and invalid stamps")
    func timeCacheMatchesFreshParse() {
        var rng = SplitMix64(state: 3)
        var cache = CLFTimeCache()
        var stamp = Array("29/Nov/2026:08:51:16 +0000".utf8)
        for _ in 0..<20_000 {
            // change one random byte to a random digit or separator now and then; otherwise repeat
            if rng.next() % 3 == 0 {
                let position = Int(rng.next() % 26)
                stamp[position] = Array("0123456789:/ +-".utf8)[Int(rng.next() % 15)]
            }
            if rng.next() % 50 == 0 { stamp = Array("29/Nov/2026:08:51:16 +0000".utf8) }
            stamp.withUnsafeBufferPointer { buf in
                #expect(
                    cache.parse(buf.baseAddress!, 26) == TimeParse.clf(buf.baseAddress!, 26),
                    "\(String(decoding: stamp, as: UTF8.self))")
            }
        }
    }
}
