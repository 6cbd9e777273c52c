import TestSupport
import Testing

@testable import HTTPAuth

/// Invariants that hold for every input, valid or not.
func checkInvariants(_ result: ChallengeParseResult, fieldLengths: [Int]) {
    for d in result.deviations {
        #expect(d.fieldIndex >= 0 && d.fieldIndex < max(fieldLengths.count, 1))
        #expect(d.offset >= 0 && d.offset <= (fieldLengths.isEmpty ? 0 : fieldLengths[d.fieldIndex]))
    }
    for c in result.challenges {
        #expect(c.byteRange.lowerBound >= 0 && c.byteRange.upperBound <= fieldLengths[c.fieldIndex])
    }
    #expect(result.deviations.count <= AuthFieldScanner.maxDeviations + 1)
}

@Suite struct ParserPropertyTests {
    /// Bytes that matter to the grammar, weighted so random strings hit the interesting paths.
    static let alphabet: [UInt8] = Array(#"aBz09=,,  ""\\'/;:@-._~+!#"#.utf8) + Array("Basic realm".utf8)

    @Test(arguments: 0..<8)
    func randomPrintableInputNeverCrashes(seed: Int) throws {
        var rng = SplitMix64(state: UInt64(seed) &* 7919 &+ 1)
        for _ in 0..<400 {
            let length = Int.random(in: 0...48, using: &rng)
            let bytes = (0..<length).map { _ in Self.alphabet.randomElement(using: &rng)! }
            let value = String(decoding: bytes, as: UTF8.self)
            let result = ChallengeParser.parse(value)
            checkInvariants(result, fieldLengths: [bytes.count])
            let strict = Result { try ChallengeParser.parseStrict(value) }
            #expect((try? strict.get()) != nil || !result.isStrictlyValid, "\(value.debugDescription)")
            _ = CredentialsParser.parse(value)
            _ = AuthenticationInfoParser.parse(value)
            // Split into lines at random: same invariants per line.
            let cut = Int.random(in: 0...bytes.count, using: &rng)
            let fields = [Array(bytes[..<cut]), Array(bytes[cut...])]
            let multi = ChallengeParser.parse(fields: fields.map { String(decoding: $0, as: UTF8.self) })
            checkInvariants(multi, fieldLengths: fields.map { String(decoding: $0, as: UTF8.self).utf8.count })
        }
    }

    @Test(arguments: 0..<4)
    func randomBytesNeverCrash(seed: Int) {
        var rng = SplitMix64(state: UInt64(seed) &+ 0xDEAD)
        for _ in 0..<400 {
            let bytes = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            checkInvariants(ChallengeParser.parse(bytes: bytes), fieldLengths: [bytes.count])
        }
    }

    /// Pathological repeats, each tried at n and 8n copies: the step counter (work, not time)
    /// must grow about linearly. A quadratic scan would show a ratio near 64.
    static let pathological: [String] = [
        "a=b,", #""\\"#, ", , ,", "Basic ", "Basic realm=", "x='", "a ", "\"", "'", "\\",
        #"Digest realm="x", stale, "#, "Bearer abc==, ", "realm=\"a,", "\r\n ", "\u{0}", "a=b c=d ",
        "Basic abc, realm=x, ", "==", ";", "a='b, ",
    ]

    @Test(arguments: pathological)
    func stepsGrowLinearly(pattern: String) {
        let unit = Array(pattern.utf8)
        func steps(_ copies: Int, _ mode: AuthFieldScanner.Mode) -> Int {
            let bytes = Array([[UInt8]](repeating: unit, count: copies).joined())
            return ChallengeParser.run(fields: [bytes], mode: mode, validateUTF8: true).steps
        }
        for mode in [AuthFieldScanner.Mode.challenges, .parametersOnly] {
            let small = steps(500, mode)
            let large = steps(4000, mode)
            #expect(small > 0)
            let ratio = Double(large) / Double(small)
            #expect(ratio < 12, "pattern \(pattern.debugDescription): \(small) → \(large) steps, ratio \(ratio)")
            // And the absolute work stays a small multiple of the input size.
            #expect(large <= 16 * unit.count * 4000 + 64)
        }
    }

    @Test func oneMegabyteValues() throws {
        let megabyte = 1 << 20
        let token = String(repeating: "A", count: megabyte)
        let bearer = ChallengeParser.parse("Bearer " + token + "==")
        #expect(bearer.challenges.first?.token68?.utf8.count == megabyte + 2)
        #expect(bearer.deviations.isEmpty)

        let unterminated = ChallengeParser.parse("Basic realm=\"" + String(repeating: "x\\\"", count: megabyte / 3))
        #expect(kinds(unterminated.deviations) == [.unterminatedQuotedString])

        let params = ChallengeParser.parse("Digest " + String(repeating: "a=b, ", count: megabyte / 5))
        #expect(params.challenges.count == 1)
        #expect(params.deviations.count == AuthFieldScanner.maxDeviations)  // all duplicates; recording is capped

        // 0xFF is never UTF-8; as a non-ASCII byte it is taken into a (bad) scheme word.
        let garbage = ChallengeParser.parse(bytes: [UInt8](repeating: 0xFF, count: megabyte))
        #expect(garbage.challenges.count == 1)
        #expect(garbage.deviations.first?.kind == .invalidUTF8)
        #expect(garbage.deviations.count <= AuthFieldScanner.maxDeviations)
    }

    @Test func nulAndControlBytesEverywhere() {
        for b in UInt8(0)..<0x20 {
            let bytes = Array("Basic realm=\"a".utf8) + [b] + Array("\", b=c".utf8) + [b]
            let result = ChallengeParser.parse(bytes: bytes)
            checkInvariants(result, fieldLengths: [bytes.count])
            #expect(result.challenges.first?.scheme == "Basic")
        }
    }
}
