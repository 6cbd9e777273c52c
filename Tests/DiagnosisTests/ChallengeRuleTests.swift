import Evidence
import HTTPAuth
import TestSupport
import Testing

@testable import Diagnosis

/// The challenge rules on whole header sets (each rule's own examples run in `RuleExampleTests`).
@Suite struct ChallengeRuleExampleTests {
    @Test func malformedFindingPointsAtTheByte() throws {
        let value = #"Bearer scope="" error="invalid_token" error_description="The access token expired""#
        let findings = ChallengeRules.run(ChallengeEvidence(fields: [value], status: 401))
        let malformed = try #require(findings.first { $0.id == "challenge.malformed" })
        #expect(malformed.evidence.contains { $0.contains("byte 16") || $0.contains("byte 15") })
        // The gateway's intent is still understood: the token was rejected.
        #expect(findings.contains { $0.id == "token.invalid" })
        let invalid = try #require(findings.first { $0.id == "token.invalid" })
        #expect(invalid.evidence.contains("error_description=\"The access token expired\""))
    }

    @Test func rankingPutsErrorsFirst() {
        let findings = ChallengeRules.run(
            ChallengeEvidence(fields: ["Basic", #"Bearer error="invalid_token""#], status: 401))
        let severities = findings.map(\.severity)
        #expect(severities == severities.sorted())
        #expect(findings.first?.id == "token.invalid")
    }

    @Test func unsupportedSchemesAreNamed() throws {
        let findings = ChallengeRules.run(ChallengeEvidence(fields: ["Negotiate", "NTLM"]))
        let finding = try #require(findings.first { $0.id == "challenge.unsupported-scheme" })
        #expect(finding.evidence == ["offered: Negotiate", "offered: NTLM"])
    }

    static func ids(_ fields: [String], status: Int? = 401) -> [FindingID] {
        ChallengeRules.run(ChallengeEvidence(fields: fields, status: status)).map(\.id)
    }

    /// Issue 11: an empty element after `scheme SP` is valid — no finding for any of the shapes;
    /// without the space it stays `challenge.malformed`.
    @Test func emptyElementAfterSchemeIsNotMalformed() {
        for value in [
            #"Basic , realm="foo""#, #"Basic ,realm="foo""#, #"Basic ,, realm="foo""#, "Basic\t, realm=\"foo\"",
        ] {
            #expect(Self.ids([value]).isEmpty, "\(value)")
        }
        #expect(Self.ids([#"Basic, realm="foo""#]) == ["challenge.malformed"])
        #expect(Self.ids([#"Basic,, realm="foo""#]) == ["challenge.malformed"])
    }

    /// Issue 11: `realm=foo` (token) is valid; no finding, not even basic-no-realm.
    @Test func tokenRealmNeedsNoFinding() {
        #expect(Self.ids(["Basic realm=foo"]).isEmpty)
        #expect(Self.ids(["Basic realm=foo, charset=UTF-8"]).isEmpty)
    }

    /// Issue 11: bytes that are not UTF-8 are read as ISO-8859-1 and flagged at their offset, as a
    /// warning (the challenge works in browsers), never an error and never U+FFFD.
    @Test func latin1RealmIsAWarningWithItsOffset() throws {
        let bytes = Array(#"Basic realm="foo-"#.utf8) + [0xE4] + Array(#"""#.utf8)
        let evidence = ChallengeEvidence(fieldBytes: [bytes], status: 401)
        #expect(evidence.challenges.first?.realm == "foo-ä")
        #expect(evidence.fields == [#"Basic realm="foo-ä""#])
        let findings = ChallengeRules.run(evidence)
        #expect(findings.map(\.id) == ["challenge.malformed"])
        let finding = try #require(findings.first)
        #expect(finding.severity == .warning)
        #expect(finding.detail.contains("ISO-8859-1"))
        #expect(finding.evidence.contains { $0.hasPrefix("WWW-Authenticate byte 17: byte 0xE4 is not UTF-8") })
        #expect(finding.evidence.contains("at: Basic realm=\"foo-»ä\""))
        #expect(!finding.evidence.joined().contains("\u{FFFD}"))
        // A real grammar error beside it keeps the error severity.
        let both = ChallengeRules.run(
            ChallengeEvidence(fieldBytes: [bytes + Array(#" charset="x""#.utf8)], status: 401))
        #expect(both.first { $0.id == "challenge.malformed" }?.severity == .error)
    }

    /// Issue 11: a folded header gets the folding explanation (a warning: clients must unfold it),
    /// not "a parameter without a scheme".
    @Test func foldedHeaderIsExplainedAsFolding() throws {
        for fields in [
            ["Basic\r\n realm=\"foo\""], ["Digest realm=\"r\",\r\n\tnonce=\"n\",\r\n qop=\"auth\", algorithm=SHA-256"],
        ] {
            let findings = ChallengeRules.run(ChallengeEvidence(fields: fields, status: 401))
            #expect(findings.map(\.id) == ["challenge.malformed"], "\(fields)")
            let finding = try #require(findings.first)
            #expect(finding.severity == .warning)
            #expect(finding.detail.contains("folded onto"))
            #expect(finding.evidence.contains { $0.contains("obsolete line folding") })
            #expect(!finding.evidence.contains { $0.contains("not a scheme") })
        }
        let withError = ChallengeRules.run(ChallengeEvidence(fields: ["Basic\r\n realm=\"foo"], status: 401))
        #expect(withError.first { $0.id == "challenge.malformed" }?.severity == .error)
    }

    /// Issue 11: a Digest challenge without realm or nonce cannot be answered — said so, as an
    /// error, and not called weak.
    @Test(arguments: [
        #"Digest nonce="abc", qop="auth", algorithm=SHA-256"#, #"Digest realm="r", qop="auth", algorithm=SHA-256"#,
        #"Digest realm="r""#, #"Digest nonce="n""#, "Digest", #"Digest , qop="auth""#,
    ])
    func digestWithoutRealmOrNonceIsUnanswerable(value: String) throws {
        let findings = ChallengeRules.run(ChallengeEvidence(fields: [value], status: 401))
        #expect(findings.map(\.id) == ["challenge.digest-unanswerable"], "\(value)")
        let finding = try #require(findings.first)
        #expect(finding.severity == .error)
        #expect(finding.detail.contains("cannot be answered"))
        let challenge = try #require(ChallengeParser.parse(value).challenges.first)
        for name in ["realm", "nonce"] where challenge[parameter: name] == nil {
            #expect(finding.detail.contains("no realm") || finding.detail.contains("no nonce"))
            #expect(finding.evidence.contains { $0.contains("\"\(name)\"") }, "\(finding.evidence)")
        }
    }

    @Test func otherUnanswerableDigests() {
        #expect(Self.ids([#"Digest realm="r", nonce="n", qop="auth-conf""#]) == ["challenge.digest-unanswerable"])
        #expect(
            Self.ids([#"Digest realm="r", nonce="n", algorithm=SHA-256-sess"#]) == ["challenge.digest-unanswerable"])
        // An answerable MD5 challenge beside an unusable one is still weak.
        #expect(
            Set(Self.ids([#"Digest nonce="n""#, #"Digest realm="r", nonce="n", algorithm=MD5, qop="auth""#]))
                == ["challenge.digest-unanswerable", "challenge.digest-weak"])
    }

    /// Issue 12: an algorithm outside RFC 7616 is named with what the standard offers, not called
    /// weak; an error when nothing else can be answered, a warning when something can.
    @Test(arguments: ["SHA-512", "SHA-1", "sha512", "\"SHA-384\"", "MD4"])
    func unknownDigestAlgorithmIsUnsupported(algorithm: String) throws {
        let alone = ChallengeRules.run(
            ChallengeEvidence(
                fields: [#"Digest realm="r", nonce="n", qop="auth", algorithm="# + algorithm], status: 401))
        #expect(alone.map(\.id) == ["challenge.unsupported-algorithm"])
        let finding = try #require(alone.first)
        let name = algorithm.replacingOccurrences(of: "\"", with: "")
        #expect(finding.detail.contains("\"\(name)\""))
        #expect(finding.detail.contains("MD5, MD5-sess, SHA-256, SHA-256-sess, SHA-512-256, SHA-512-256-sess"))
        #expect(finding.severity == .error)
        let withBasic = ChallengeRules.run(
            ChallengeEvidence(
                fields: [#"Digest realm="r", nonce="n", qop="auth", algorithm="# + algorithm, #"Basic realm="r""#],
                status: 401))
        #expect(withBasic.map(\.id) == ["challenge.unsupported-algorithm"])
        #expect(withBasic.first?.severity == .warning)
        // Beside a standard SHA-256 challenge: named, not weak.
        let withSHA256 = Self.ids([
            #"Digest realm="r", nonce="n", qop="auth", algorithm="# + algorithm,
            #"Digest realm="r", nonce="n", qop="auth", algorithm=SHA-256"#,
        ])
        #expect(withSHA256 == ["challenge.unsupported-algorithm"])
        #expect(Catalog.entry("challenge.unsupported-algorithm")?.references.contains("RFC 7616 §3.3") == true)
    }

    @Test func standardAlgorithmsAreNotUnsupported() {
        for algorithm in DigestAlgorithm.allCases.map(\.rawValue) + ["sha-256", "Sha-512-256-Sess"] {
            let ids = Self.ids([#"Digest realm="r", nonce="n", qop="auth", algorithm="# + algorithm])
            #expect(!ids.contains("challenge.unsupported-algorithm"), "\(algorithm)")
        }
    }

    /// Probes raise the same findings: the client rules run the challenge rules on the final 401.
    @Test func probesRaiseTheNewDigestFindings() {
        for (header, id): (String, FindingID) in [
            (#"Digest realm="r", nonce="n", algorithm=SHA-512, qop="auth""#, "challenge.unsupported-algorithm"),
            (#"Digest qop="auth", algorithm=SHA-256"#, "challenge.digest-unanswerable"),
        ] {
            let evidence = CheckSample.make(CheckSample.step(.asGiven, 401, ["WWW-Authenticate": header]))
            let ids = FinalChallengeRules.check(evidence).map(\.id)
            #expect(ids.contains(id), "\(header): \(ids)")
            #expect(!ids.contains("challenge.digest-weak"))
        }
        let spaced = CheckSample.make(CheckSample.step(.asGiven, 401, ["WWW-Authenticate": #"Basic , realm="api""#]))
        #expect(FinalChallengeRules.check(spaced).isEmpty)
    }
}
