import CredentialModel
import Foundation
import TestSupport
import Testing

@testable import Credentials

/// Every hash here is written at test time by the real `htpasswd` (apache2-utils) or by `md5sum`;
/// only {SSHA} and {PLAIN}, which htpasswd cannot write, are made by hand (with openssl for SSHA).
@Suite struct PasswordHashTests {
    /// `htpasswd -nb FLAG user pass` → the hash part of `user:hash`.
    static func htpasswd(_ flag: String, _ password: String, user: String = "alice") throws -> String {
        let r = try ProcessRunner.run("htpasswd", ["-nb", flag, user, password], timeout: 30)
        try #require(r.status == 0, "htpasswd \(flag): \(r.stderr)")
        let line = try #require(r.stdout.split(separator: "\n").first.map(String.init))
        #expect(line.hasPrefix(user + ":"))
        return String(line.dropFirst(user.count + 1))
    }

    static let formats: [(flag: String, format: PasswordHashFormat)] = [
        ("-m", .apr1), ("-B", .bcrypt), ("-s", .sha1), ("-d", .desCrypt), ("-2", .sha256Crypt), ("-5", .sha512Crypt),
        ("-p", .plainText),
    ]

    @Test(arguments: formats.map(\.flag))
    func everyHtpasswdFormatVerifiesTheRightPasswordAndRejectsAWrongOne(flag: String) throws {
        let expected = Self.formats.first { $0.flag == flag }!.format
        let hash = try Self.htpasswd(flag, "S3cret!x")
        #expect(PasswordHash.identify(hash) == .format(expected))
        #expect(PasswordHash.verify("S3cret!x", against: hash) == .match)
        #expect(PasswordHash.verify("S3cret!y", against: hash) == .mismatch)
        #expect(PasswordHash.verify("", against: hash) == .mismatch)
        #expect(PasswordHash.verify("s3cret!x", against: hash) == .mismatch)
    }

    /// Our APR1 against many htpasswd -m hashes: lengths 0…40 cross the 16-byte block boundaries of the algorithm.
    @Test func apr1MatchesHtpasswdForManyLengths() throws {
        for length in [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 40] {
            let password = String(repeating: "aZ9$", count: 11).prefix(length)
            let hash = try Self.htpasswd("-m", String(password))
            let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
            let computed = PasswordHash.md5Crypt(
                password: Array(password.utf8), salt: Array(parts[2].utf8), magic: Array("$apr1$".utf8))
            #expect(computed == hash, "length \(length)")
        }
        // UTF-8 passwords too.
        let hash = try Self.htpasswd("-m", "pässwörd✓")
        #expect(PasswordHash.verify("pässwörd✓", against: hash) == .match)
    }

    /// `$1$` is the same algorithm with another magic: our implementation must equal libxcrypt's.
    @Test func md5CryptAgreesWithLibxcrypt() throws {
        for (password, salt) in [("", "abcdefgh"), ("hello", "saltsalt"), ("a much longer password here!", "x1")] {
            let ours = PasswordHash.md5Crypt(
                password: Array(password.utf8), salt: Array(salt.utf8), magic: Array("$1$".utf8))
            let theirs = try #require(PasswordHash.crypt(password, setting: "$1$\(salt)$"))
            #expect(ours == theirs)
            #expect(PasswordHash.verify(password, against: theirs) == .match)
            #expect(PasswordHash.identify(theirs) == .format(.md5Crypt))
        }
    }

    @Test func desCryptChecksOnlyEightCharacters() throws {
        let hash = try Self.htpasswd("-d", "Secret123")
        #expect(PasswordHash.identify(hash) == .format(.desCrypt))
        #expect(PasswordHash.verify("Secret123", against: hash) == .match)
        #expect(PasswordHash.verify("Secret12X", against: hash) == .match)
        #expect(PasswordHash.verify("Secret1", against: hash) == .mismatch)
    }

    /// bcrypt under all three prefixes: $2y$ from htpasswd, the same hash relabelled $2b$ and $2a$
    /// (identical output for passwords under 255 bytes).
    @Test func bcryptPrefixes() throws {
        let hash = try Self.htpasswd("-B", "correct horse")
        #expect(hash.hasPrefix("$2y$"))
        for prefix in ["$2y$", "$2b$", "$2a$"] {
            let relabelled = prefix + hash.dropFirst(4)
            #expect(PasswordHash.identify(relabelled) == .format(.bcrypt))
            #expect(PasswordHash.verify("correct horse", against: relabelled) == .match, "\(prefix)")
            #expect(PasswordHash.verify("correct horsE", against: relabelled) == .mismatch, "\(prefix)")
        }
    }

    @Test func sshaAndPlainWrittenByHand() throws {
        // {SSHA} = base64(sha1(password + salt) + salt), computed with openssl.
        let salt = "NaCl4u"
        let script =
            """
            printf '%s' 'pa55word\(salt)' | openssl dgst -sha1 -binary > /tmp/why401-ssha-$$; printf '%s' \
            '\(salt)' >> /tmp/why401-ssha-$$; base64 -w0 /tmp/why401-ssha-$$; rm -f /tmp/why401-ssha-$$
            """
        let r = try ProcessRunner.run("/bin/sh", ["-c", script])
        try #require(r.status == 0, "\(r.stderr)")
        let ssha = "{SSHA}" + r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(PasswordHash.identify(ssha) == .format(.ssha))
        #expect(PasswordHash.verify("pa55word", against: ssha) == .match)
        #expect(PasswordHash.verify("pa55wore", against: ssha) == .mismatch)

        #expect(PasswordHash.identify("{PLAIN}pa55word") == .format(.plainTagged))
        #expect(PasswordHash.verify("pa55word", against: "{PLAIN}pa55word") == .match)
        #expect(PasswordHash.verify("pa55wor", against: "{PLAIN}pa55word") == .mismatch)
    }

    @Test func serverSupportTable() {
        #expect(!PasswordHashFormat.plainText.accepted(by: .apache))
        #expect(!PasswordHashFormat.plainText.accepted(by: .nginx))
        #expect(!PasswordHashFormat.ssha.accepted(by: .apache) && PasswordHashFormat.ssha.accepted(by: .nginx))
        #expect(
            !PasswordHashFormat.plainTagged.accepted(by: .apache) && PasswordHashFormat.plainTagged.accepted(by: .nginx)
        )
        for format in [PasswordHashFormat.apr1, .bcrypt, .sha1, .desCrypt, .sha256Crypt, .sha512Crypt] {
            #expect(format.accepted(by: .apache) && format.accepted(by: .nginx))
        }
        #expect(PasswordHashFormat.bcrypt.weakness == nil)
        #expect(PasswordHashFormat.desCrypt.weakness?.contains("8 characters") == true)
    }

    @Test func malformedHashShapes() {
        for bad in [
            "$apr1$short", "$apr1$abc$tooShort", "$2y$05$cut", "$9$abc$def", "{MD5}abc", "{SHA}notbase64!",
            "$6$salt$cut", "", "has space", "ctl\u{1}x",
        ] {
            guard case .malformed = PasswordHash.identify(bad) else {
                Issue.record("\(bad.debugDescription) should be malformed")
                continue
            }
            #expect(PasswordHash.verify("x", against: bad) == .unverifiable)
        }
    }

    @Test func htdigestLineFromMd5sum() throws {
        let line = try Htdigest.line(user: "dora", realm: "Private Area", password: "d1gest!")
        let file = PasswordFile.parse(Array((line + "\n").utf8))
        #expect(file.kind == .htdigest)
        let entry = try #require(file.entry(user: "dora", realm: "Private Area"))
        #expect(PasswordHash.verifyDigest("d1gest!", user: "dora", realm: "Private Area", ha1: entry.hash) == .match)
        #expect(PasswordHash.verifyDigest("d1gest?", user: "dora", realm: "Private Area", ha1: entry.hash) == .mismatch)
        #expect(
            PasswordCheck.run(file, user: "dora", realm: "Private Area", password: "d1gest!").result
                == .checked(entry, .match))
        #expect(PasswordCheck.run(file, user: "dora", realm: "Other", password: "d1gest!").result == .userNotFound)
    }

    // MARK: - File parsing

    @Test func parsesCommentsBlankLinesAndCRLF() throws {
        let apr = try Self.htpasswd("-m", "pw1", user: "a")
        let bc = try Self.htpasswd("-B", "pw2", user: "b")
        let text = "# users\r\n\r\na:\(apr)\r\n   \nb:\(bc)"
        let file = PasswordFile.parse(Array(text.utf8))
        #expect(file.kind == .htpasswd)
        #expect(file.malformed.isEmpty)
        #expect(file.entries.map(\.user) == ["a", "b"])
        #expect(file.entries.map(\.line) == [3, 5])
        #expect(
            PasswordCheck.run(file, user: "a", realm: nil, password: "pw1").result == .checked(file.entries[0], .match))
        #expect(
            PasswordCheck.run(file, user: "b", realm: nil, password: "pw2").result == .checked(file.entries[1], .match))
    }

    @Test func malformedLinesHaveLineNumbersAndNeverCrash() throws {
        let good = try Self.htpasswd("-B", "pw", user: "ok")
        var bytes = Array("ok:\(good)\nnocolonhere\n:emptyuser\nweird:$9$abc$def\n".utf8)
        bytes += [0x00, 0xFF, 0xFE, 0x3A, 0x80, 0x81, 0x0A]  // binary garbage (with a colon) on line 5
        bytes += Array(repeating: UInt8(ascii: "A"), count: 1_000_000) + [0x0A]  // a 1 MB line 6
        bytes += Array("dup:\(good)\ndup:\(good)\nd:realm:0123456789abcdef0123456789abcdef\n".utf8)
        let file = PasswordFile.parse(bytes)
        #expect(file.kind == .htpasswd)
        #expect(file.entries.map(\.user) == ["ok", "dup"])
        let byLine = Dictionary(uniqueKeysWithValues: file.malformed.map { ($0.line, $0.reason) })
        #expect(byLine.keys.sorted() == [2, 3, 4, 5, 6, 8, 9])
        #expect(byLine[2]?.contains("no colon") == true)
        #expect(byLine[3]?.contains("empty user") == true)
        #expect(byLine[4]?.contains("unknown $id$") == true)
        #expect(byLine[6]?.contains("8 KiB") == true)
        #expect(byLine[8]?.contains("line 7") == true)
        #expect(byLine[9]?.contains("htdigest") == true)
        // Reasons never quote the line (it may be a password).
        #expect(!file.malformed.contains { $0.reason.contains("AAAAAAAA") || $0.reason.contains("abc$def") })
    }

    /// Garbage gives a consistent account of the file: every line is at most one entry or one
    /// malformed record, numbered within the file, in order; no reason quotes a control byte; and no
    /// garbage hash verifies a password (seeded, so a failure reproduces).
    @Test func randomGarbageNeverCrashes() {
        var rng = SplitMix64(state: 401)
        var entriesSeen = 0
        var malformedSeen = 0
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...400, using: &rng)).map { _ in
                [
                    UInt8(ascii: ":"), UInt8(ascii: "$"), 10, 13, UInt8(ascii: "{"),
                    UInt8.random(in: 0...255, using: &rng),
                ].randomElement(using: &rng)!
            }
            let file = PasswordFile.parse(bytes)
            let newlines = bytes.filter { $0 == 10 }.count
            #expect(
                file.lineCount >= newlines && file.lineCount <= newlines + 1,
                "\(file.lineCount) lines for \(newlines) newlines")
            let entryLines = file.entries.map(\.line)
            let malformedLines = file.malformed.map(\.line)
            #expect(entryLines == entryLines.sorted() && Set(entryLines).count == entryLines.count)
            #expect(malformedLines == malformedLines.sorted() && Set(malformedLines).count == malformedLines.count)
            #expect(Set(entryLines).isDisjoint(with: malformedLines), "a line is both an entry and malformed")
            #expect((entryLines + malformedLines).allSatisfy { (1...max(file.lineCount, 1)).contains($0) })
            for bad in file.malformed {
                #expect(
                    !bad.reason.isEmpty && !bad.reason.unicodeScalars.contains { $0.value < 0x20 },
                    "reason \(bad.reason.debugDescription)")
            }
            for entry in file.entries {
                #expect(PasswordHash.verify("x", against: entry.hash) != .match, "garbage hash verified")
            }
            entriesSeen += file.entries.count
            malformedSeen += file.malformed.count
        }
        // The generator reaches both outcomes, so the checks above are not vacuous.
        #expect(entriesSeen > 0 && malformedSeen > 0)
    }

    @Test func bomOnFirstLine() {
        let file = PasswordFile.parse([0xEF, 0xBB, 0xBF] + Array("u:{SHA}IOeM47qo8GqeGOMm6Q0gmnFaCZU=\n".utf8))
        #expect(file.malformed.first?.line == 1)
        #expect(file.malformed.first?.reason.contains("byte-order mark") == true)
    }

    @Test func millionLinesParseInBoundedTime() async throws {
        // built and parsed on a thread of its own: seconds of work in a debug build (see `offPool`)
        let (count, seconds) = try await offPool { () -> (Int, Double) in
            let line = Array("user:{SHA}IOeM47qo8GqeGOMm6Q0gmnFaCZU=\n".utf8)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(line.count * 1_000_000)
            for i in 0..<1_000_000 { bytes += Array("u\(i)".utf8) + line.dropFirst(4) }
            let start = Date()
            let file = PasswordFile.parse(bytes)
            return (file.entries.count, Date().timeIntervalSince(start))
        }
        #expect(count == 1_000_000)
        #expect(seconds < 120)  // linear: ~20 s in a debug build; quadratic would take hours
    }
}
