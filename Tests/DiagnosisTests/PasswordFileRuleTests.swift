import CredentialModel
import Credentials
import TestSupport
import Testing

@testable import Diagnosis

/// The pure password-file rules: parsed files and check outcomes in, findings out. Hashes here are
/// fixed strings (the Credentials and CLI tests make theirs with the real htpasswd at test time);
/// the rules only look at the format and the verdict.
@Suite struct PasswordFileRuleTests {
    static let bcrypt = "$2y$05$eak5LVMTx3JnhsUFvBLksuU9YsA.53552BHGjndDi60P8tJI/HJ5S"
    static let sha1 = "{SHA}IOeM47qo8GqeGOMm6Q0gmnFaCZU="
    static let des = "n6/97a3OGwTiw"

    static func file(_ text: String) -> PasswordFile { PasswordFile.parse(Array(text.utf8)) }
    static func ids(_ f: [Finding]) -> [FindingID] { f.map(\.id) }

    static func check(_ file: PasswordFile, _ user: String, _ verdict: PasswordVerdict, length: Int = 8)
        -> PasswordCheck
    {
        guard let entry = file.entry(user: user) else {
            return PasswordCheck(user: user, realm: nil, result: .userNotFound, passwordLength: length)
        }
        return PasswordCheck(user: user, realm: nil, result: .checked(entry, verdict), passwordLength: length)
    }

    @Test func strongHashThatVerifiesGivesNothing() {
        let f = Self.file("alice:\(Self.bcrypt)\n")
        #expect(
            PasswordFileRules.verify(file: f, check: Self.check(f, "alice", .match), servers: [.apache, .nginx]).isEmpty
        )
    }

    @Test func mismatchAndUserNotFound() {
        let f = Self.file("alice:\(Self.bcrypt)\nAlice2:\(Self.bcrypt)\n")
        #expect(
            Self.ids(PasswordFileRules.verify(file: f, check: Self.check(f, "alice", .mismatch), servers: [.apache]))
                == ["authfile.password-mismatch"])
        let notFound = PasswordFileRules.verify(file: f, check: Self.check(f, "ALICE", .mismatch), servers: [.apache])
        #expect(Self.ids(notFound) == ["authfile.user-not-found"])
        #expect(notFound[0].evidence.contains { $0.contains("\"alice\"") && $0.contains("case") })
    }

    @Test func plainTextNeverMatchesOnEitherServer() {
        let f = Self.file("p:hunter2\n")
        let findings = PasswordFileRules.verify(file: f, check: Self.check(f, "p", .match), servers: [.apache, .nginx])
        #expect(Set(Self.ids(findings)) == ["authfile.unsupported-hash", "authfile.weak-hash"])
        let unsupported = findings.first { $0.id == "authfile.unsupported-hash" }!
        #expect(unsupported.evidence.count == 2)
        #expect(unsupported.detail.contains("Apache httpd and nginx"))
        #expect(!findings.contains { $0.detail.contains("hunter2") || $0.evidence.contains { $0.contains("hunter2") } })
    }

    @Test func plainAndSSHAWorkOnNginxOnly() {
        let f = Self.file("p:{PLAIN}hunter2\ns:{SSHA}Y2fE0qA8c0QXK0J1vQnK2b0u3VNOYUNsNHU=\n")
        for user in ["p", "s"] {
            let apache = PasswordFileRules.verify(file: f, check: Self.check(f, user, .match), servers: [.apache])
            #expect(Self.ids(apache).contains("authfile.unsupported-hash"), "\(user)")
            let nginx = PasswordFileRules.verify(file: f, check: Self.check(f, user, .match), servers: [.nginx])
            #expect(!Self.ids(nginx).contains("authfile.unsupported-hash"), "\(user)")
            #expect(!nginx.contains { $0.severity == .error })
        }
        let both = PasswordFileRules.verify(file: f, check: Self.check(f, "p", .match), servers: [.apache, .nginx])
        #expect(both.first { $0.id == "authfile.unsupported-hash" }!.detail.contains("nginx accepts it"))
    }

    @Test func desLongerThanEightSaysTheRestIsIgnored() {
        let f = Self.file("d:\(Self.des)\n")
        let findings = PasswordFileRules.verify(
            file: f, check: Self.check(f, "d", .match, length: 11), servers: [.apache, .nginx])
        #expect(Self.ids(findings) == ["authfile.weak-hash"])
        #expect(findings[0].detail.contains("first 8 characters"))
        #expect(findings[0].detail.contains("last 3 characters"))
        #expect(findings[0].evidence.contains { $0.contains("only the first 8 are checked") })
        let short = PasswordFileRules.verify(file: f, check: Self.check(f, "d", .match, length: 8), servers: [.apache])
        #expect(!short[0].detail.contains("ignored"))
    }

    @Test func malformedLinesAreReportedWithNumbers() {
        let f = Self.file("ok:\(Self.bcrypt)\nbroken\n:nouser\n")
        let findings = PasswordFileRules.verify(file: f, check: Self.check(f, "ok", .match), servers: [.apache])
        #expect(Self.ids(findings) == ["authfile.malformed"])
        #expect(findings[0].severity == .warning)  // other lines: they do not decide this user's answer
        #expect(PasswordFileRules.verifies(Self.check(f, "ok", .match), kind: f.kind, servers: [.apache]))
        #expect(findings[0].evidence.count == 2)
        #expect(findings[0].evidence[0].hasPrefix("line 2:"))
        #expect(findings[0].evidence[1].hasPrefix("line 3:"))
        #expect(findings[0].detail.contains("lines 2, 3"))
    }

    @Test func lintListsWeakAndUnsupportedPerServer() {
        let f = Self.file("b:\(Self.bcrypt)\ns:\(Self.sha1)\nd:\(Self.des)\np:plainpw\nq:{PLAIN}x\n")
        let both = PasswordFileRules.lint(file: f, servers: [.apache, .nginx])
        let unsupported = both.filter { $0.id == "authfile.unsupported-hash" }
        #expect(unsupported.count == 2)  // one per server
        #expect(unsupported[0].detail.hasPrefix("Apache httpd"))
        #expect(unsupported[0].evidence.count == 2)  // p and q
        #expect(unsupported[1].detail.hasPrefix("nginx"))
        #expect(unsupported[1].evidence.count == 1)  // p only
        let weak = both.first { $0.id == "authfile.weak-hash" }!
        #expect(weak.evidence.count == 4)  // s, d, p, q
        #expect(weak.detail.contains("first 8 characters"))
        #expect(!weak.evidence.joined().contains("plainpw"))

        let nginxOnly = PasswordFileRules.lint(file: Self.file("q:{PLAIN}x\nb:\(Self.bcrypt)\n"), servers: [.nginx])
        #expect(Self.ids(nginxOnly) == ["authfile.weak-hash"])
        #expect(PasswordFileRules.lint(file: Self.file("b:\(Self.bcrypt)\n"), servers: [.apache, .nginx]).isEmpty)
    }

    @Test func evidenceIsCappedForHugeFiles() {
        let text = (0..<5000).map { "u\($0):nocolon\n" }.joined().replacingOccurrences(of: ":", with: "")
        let findings = PasswordFileRules.lint(file: Self.file(text), servers: [.apache])
        #expect(findings.count == 1)
        #expect(findings[0].evidence.count == PasswordFileRules.evidenceLimit + 1)
        #expect(findings[0].evidence.last == "… and 4980 more")
    }

    @Test func htdigestUserInAnotherRealm() {
        let f = Self.file("dora:Other Realm:0123456789abcdef0123456789abcdef\n")
        #expect(f.kind == .htdigest)
        let check = PasswordCheck(user: "dora", realm: "Private Area", result: .userNotFound, passwordLength: 5)
        let findings = PasswordFileRules.verify(file: f, check: check, servers: [.apache])
        #expect(Self.ids(findings) == ["authfile.user-not-found"])
        #expect(findings[0].evidence.contains { $0.contains("Other Realm") })
    }

    @Test func everyRaisedIdIsInTheCatalog() {
        for id: FindingID in [
            "authfile.user-not-found", "authfile.password-mismatch", "authfile.malformed", "authfile.weak-hash",
            "authfile.unsupported-hash",
        ] {
            #expect(Catalog.entry(id) != nil)
        }
    }

    /// Issue 11: `verify` answers for USER only. Other lines — malformed, weak, a format the server
    /// never matches — are warnings and never turn a verified password into a failure.
    @Test func otherLinesAreWarningsThatDoNotChangeTheAnswer() {
        let f = Self.file(
            "p:plainpw\nd:\(Self.des)\nalice:\(Self.bcrypt)\nbroken\ns:\(Self.sha1)\nq:{PLAIN}x\n:nouser\n")
        for servers in [[PasswordServer.apache], [.nginx], [.apache, .nginx]] {
            let check = Self.check(f, "alice", .match)
            let findings = PasswordFileRules.verify(file: f, check: check, servers: servers)
            #expect(PasswordFileRules.verifies(check, kind: f.kind, servers: servers))
            #expect(!findings.isEmpty)
            #expect(findings.allSatisfy { $0.severity == .warning }, "\(findings.map { "\($0.id) \($0.severity)" })")
            #expect(
                Set(Self.ids(findings)) == ["authfile.malformed", "authfile.unsupported-hash", "authfile.weak-hash"])
            #expect(findings.allSatisfy { $0.detail.hasPrefix("Other lines: ") })
            // alice's own line is never listed among the others.
            #expect(!findings.flatMap(\.evidence).contains { $0.contains("\"alice\"") })
            #expect(!findings.flatMap(\.evidence).joined().contains("plainpw"))
        }
        // The same file, a wrong password: the mismatch is the error and comes first.
        let wrong = PasswordFileRules.verify(file: f, check: Self.check(f, "alice", .mismatch), servers: [.apache])
        #expect(wrong.first?.id == "authfile.password-mismatch")
        #expect(wrong.filter { $0.severity == .error }.map(\.id) == ["authfile.password-mismatch"])
        #expect(!PasswordFileRules.verifies(Self.check(f, "alice", .mismatch), kind: f.kind, servers: [.apache]))
    }

    /// "Verifies" means with a hash the chosen server can read: the user's own unusable hash still fails.
    @Test func ownHashMustBeReadableByTheChosenServer() {
        let f = Self.file("q:{PLAIN}x\np:plainpw\nd:\(Self.des)\n")
        let q = Self.check(f, "q", .match)
        #expect(!PasswordFileRules.verifies(q, kind: f.kind, servers: [.apache]))
        #expect(!PasswordFileRules.verifies(q, kind: f.kind, servers: [.apache, .nginx]))
        #expect(PasswordFileRules.verifies(q, kind: f.kind, servers: [.nginx]))
        let onApache = PasswordFileRules.verify(file: f, check: q, servers: [.apache])
        #expect(onApache.first?.id == "authfile.unsupported-hash" && onApache.first?.severity == .error)
        #expect(!PasswordFileRules.verifies(Self.check(f, "p", .match), kind: f.kind, servers: [.nginx]))
        // DES verifies (weak is a warning about the user's own line).
        let d = Self.check(f, "d", .match)
        #expect(PasswordFileRules.verifies(d, kind: f.kind, servers: [.apache, .nginx]))
        #expect(!PasswordFileRules.verifies(Self.check(f, "nobody", .match), kind: f.kind, servers: [.apache]))
    }
}
