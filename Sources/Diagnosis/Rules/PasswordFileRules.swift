import CredentialModel
import Credentials

/// What the password-file rules judge: a parsed htpasswd/htdigest file, the servers it is judged for,
/// and — for `verify` — the outcome of checking one user's password (no password: the check carries
/// only its length). Built by `UseCase.verifyPasswordFile` / `lintPasswordFile`.
public struct PasswordFileEvidence: Sendable {
    /// The file as parsed: its entries and its malformed lines (never their text).
    public var file: PasswordFile
    /// The servers the hashes are judged for (an htdigest file is Apache's only).
    public var servers: [PasswordServer]
    /// `verify`: the one user's check, which decides the answer (other lines only warn); nil: `lint`,
    /// every line of the file.
    public var check: PasswordCheck?

    /// The evidence of a lint (`check` nil) or of a verify.
    public init(file: PasswordFile, servers: [PasswordServer], check: PasswordCheck? = nil) {
        self.file = file
        self.servers = servers
        self.check = check
    }

    /// The user's own entry, when the check found one.
    var ownEntry: (entry: PasswordFile.Entry, verdict: PasswordVerdict)? {
        if case .checked(let entry, let verdict)? = check?.result { return (entry, verdict) }
        return nil
    }

    /// `verify`: the entries other than the user's own line.
    var otherEntries: [PasswordFile.Entry] {
        let own = ownEntry?.entry.line
        return file.entries.filter { $0.line != own }
    }
}

/// The pure rules behind `why401 htpasswd verify` and `why401 htpasswd lint` (and the content of the
/// user files a server configuration names): a `PasswordFileEvidence` in, findings out. No I/O.
///
/// Server facts (measured on Apache 2.4.71 and nginx 1.22.1): plain text never matches on either;
/// `{PLAIN}` and `{SSHA}` match on nginx only; DES crypt checks only the first 8 characters; an
/// unusable hash is logged by both as an ordinary password mismatch. htdigest files belong to Apache's
/// mod_auth_digest only (nginx has no Digest), so server support is not judged for them.
public enum PasswordFileRules {
    /// At most this many lines are listed in a finding's evidence; the rest are counted.
    public static let evidenceLimit = 20

    /// The file's own lines first (lint's malformed lines), then the user's answer (verify: not
    /// found, mismatch, a hash the server cannot use, a weak one; lint: the same per line), then
    /// what verify says about the other lines, as warnings.
    public static let set = RuleSet<PasswordFileEvidence>(
        "password-file",
        [
            MalformedRule.self, UserNotFoundRule.self, PasswordMismatchRule.self, UnsupportedHashRule.self,
            WeakHashRule.self, OtherLinesMalformedRule.self, OtherLinesUnsupportedRule.self, OtherLinesWeakRule.self,
        ])

    /// Every finding, de-duplicated and ranked.
    public static func findings(_ evidence: PasswordFileEvidence) -> [Finding] { set.run(evidence) }

    /// `verify`: the user's answer, and the other lines' problems as warnings.
    public static func verify(file: PasswordFile, check: PasswordCheck, servers: [PasswordServer]) -> [Finding] {
        findings(PasswordFileEvidence(file: file, servers: servers, check: check))
    }

    /// `lint`: every line of the file.
    public static func lint(file: PasswordFile, servers: [PasswordServer]) -> [Finding] {
        findings(PasswordFileEvidence(file: file, servers: servers))
    }

    /// Whether `verify` answers yes: the user's password verifies with a hash every target server
    /// can read. Other lines of the file do not change this (their problems are warnings; `lint` is
    /// for the whole file), so a script can trust `verify … && echo ok` as it trusts `htpasswd -v`.
    public static func verifies(_ check: PasswordCheck, kind: PasswordFile.Kind, servers: [PasswordServer]) -> Bool {
        guard case .checked(let entry, .match) = check.result else { return false }
        guard kind == .htpasswd, let format = entry.format else { return true }
        return servers.allSatisfy { format.accepted(by: $0) }
    }

    // MARK: - Shared

    static func who(_ user: String) -> String { "\"\(PasswordFile.display(user))\"" }

    /// One finding for all malformed lines, each named by its line number.
    static func malformedFinding(_ file: PasswordFile) -> Finding? {
        guard !file.malformed.isEmpty else { return nil }
        let numbers = file.malformed.prefix(10).map { String($0.line) }.joined(separator: ", ")
        let detail =
            """
            \(file.malformed.count) line\(file.malformed.count == 1 ? "" : "s") of this \(file.kind.rawValue) file \
            do\(file.malformed.count == 1 ? "es" : "") not parse (line\(file.malformed.count == 1 ? "" : "s") \
            \(numbers)\(file.malformed.count > 10 ? ", …" : "")). A user on such a line cannot log in: the server \
            reports a password mismatch or \"user not found\".
            """
        return Finding(
            .authfileMalformed, detail: detail,
            evidence: capped(
                file.malformed.count, file.malformed.prefix(evidenceLimit).map { "line \($0.line): \($0.reason)" }))
    }

    /// Per target server, the entries it never matches (`authfile.unsupported-hash`, `subject` names
    /// the server), for htpasswd entries.
    static func unsupportedFindings(_ entries: [PasswordFile.Entry], servers: [PasswordServer]) -> [Finding] {
        servers.compactMap { server in
            let bad = entries.filter { ($0.format.map { !$0.accepted(by: server) }) ?? false }
            guard !bad.isEmpty else { return nil }
            let detail =
                """
                \(server.displayName) never matches \(bad.count) entr\(bad.count == 1 ? "y" : "ies") of this file: \
                a user with the correct password is refused with 401 and the server logs an ordinary password \
                mismatch.
                """
            return Finding(
                .authfileUnsupportedHash, detail: detail,
                evidence: capped(
                    bad.count,
                    bad.prefix(evidenceLimit).map {
                        """
                        line \($0.line), user \(who($0.user)): \($0.format!.displayName) — \(server.displayName) \
                        never matches it
                        """
                    }),
                subject: "server \(server.rawValue)")
        }
    }

    /// The weak entries (`authfile.weak-hash`), for htpasswd entries.
    static func weakFinding(_ entries: [PasswordFile.Entry]) -> Finding? {
        let weak = entries.filter { $0.format?.weakness != nil }
        guard !weak.isEmpty else { return nil }
        var detail = "\(weak.count) entr\(weak.count == 1 ? "y uses" : "ies use") a weak hash format."
        if weak.contains(where: { $0.format == .desCrypt }) {
            detail += " DES crypt checks only the first 8 characters: anything after the 8th character of a password"
            detail += " is ignored."
        }
        return Finding(
            .authfileWeakHash, detail: detail,
            evidence: capped(
                weak.count,
                weak.prefix(evidenceLimit).map { "line \($0.line), user \(who($0.user)): \($0.format!.weakness!)" }))
    }

    /// `verify`'s view of the rest of the file: a warning, whatever the catalog's severity, since it
    /// does not decide whether this user's password works.
    static func otherLines(_ finding: Finding, subject: String, why: String) -> Finding {
        var out = finding
        out.severity = .warning
        out.detail = "Other lines: " + finding.detail + " " + why
        out.subject = subject
        return out
    }

    /// The first `evidenceLimit` items (already cut by the caller, so 10⁶ lines make 20 strings) and a count of the
    /// rest.
    static func capped(_ total: Int, _ items: [String]) -> [String] {
        guard total > items.count else { return items }
        return items + ["… and \(total - items.count) more"]
    }
}

// MARK: - Examples

/// Files and checks for the rules' examples. The rules read the format and the verdict, not the
/// hash, so fixed hashes do (the CLI tests use files written by the real `htpasswd`).
enum PasswordFileSample {
    static let bcrypt = "$2y$05$eak5LVMTx3JnhsUFvBLksuU9YsA.53552BHGjndDi60P8tJI/HJ5S"
    static let sha1 = "{SHA}IOeM47qo8GqeGOMm6Q0gmnFaCZU="
    static let des = "n6/97a3OGwTiw"

    static func file(_ text: String) -> PasswordFile { PasswordFile.parse(Array(text.utf8)) }

    /// `lint` of `text` for both servers.
    static func lint(_ text: String, servers: [PasswordServer] = [.apache, .nginx]) -> PasswordFileEvidence {
        PasswordFileEvidence(file: file(text), servers: servers)
    }

    /// `verify` of `user` against `text`, with the given verdict (or not found).
    static func verify(
        _ text: String, _ user: String, _ verdict: PasswordVerdict = .match, length: Int = 8,
        servers: [PasswordServer] = [.apache, .nginx]
    ) -> PasswordFileEvidence {
        let parsed = file(text)
        let result: PasswordCheck.Result = parsed.entry(user: user).map { .checked($0, verdict) } ?? .userNotFound
        return PasswordFileEvidence(
            file: parsed, servers: servers,
            check: PasswordCheck(user: user, realm: nil, result: result, passwordLength: length))
    }
}

// MARK: - lint: the file's lines

extension PasswordFileRules {
    /// `authfile.malformed` (lint): lines that do not parse, each named by its number.
    public enum MalformedRule: Rule {
        public static let description = RuleDescription<PasswordFileEvidence>(
            id: .authfileMalformed,
            triggering: [PasswordFileSample.lint("ok:\(PasswordFileSample.bcrypt)\nbroken\n:nouser\n")],
            nonTriggering: [
                PasswordFileSample.lint("ok:\(PasswordFileSample.bcrypt)\n"),
                // verify: the other lines' problem, said by OtherLinesMalformedRule as a warning.
                PasswordFileSample.verify("ok:\(PasswordFileSample.bcrypt)\nbroken\n", "ok"),
            ])

        public static func check(_ e: PasswordFileEvidence) -> [Finding] {
            guard e.check == nil, let finding = malformedFinding(e.file) else { return [] }
            return [finding]
        }
    }
}

// MARK: - verify: the user's answer (and lint: every entry)

extension PasswordFileRules {
    /// `authfile.user-not-found` (verify): no line for the user (in the realm, for htdigest), with
    /// names that differ only in case, the realms the user is in, and malformed lines that may hide it.
    public enum UserNotFoundRule: Rule {
        public static let description = RuleDescription<PasswordFileEvidence>(
            id: .authfileUserNotFound,
            triggering: [
                PasswordFileSample.verify("alice:\(PasswordFileSample.bcrypt)\n", "ALICE"),
                PasswordFileSample.verify("alice:\(PasswordFileSample.bcrypt)\nbroken\n", "bob"),
            ],
            nonTriggering: [
                PasswordFileSample.verify("alice:\(PasswordFileSample.bcrypt)\n", "alice", .mismatch),
                PasswordFileSample.lint("alice:\(PasswordFileSample.bcrypt)\n"),
            ])

        public static func check(_ e: PasswordFileEvidence) -> [Finding] {
            guard let check = e.check, case .userNotFound = check.result else { return [] }
            let file = e.file
            let who = who(check.user)
            var evidence = [
                """
                no line for user \(who)\(check.realm.map { " in realm \"\(PasswordFile.display($0))\"" } ?? "") \
                among \(file.entries.count) entries
                """
            ]
            var fix: [String] = []
            let variants = file.caseVariants(of: check.user)
            if !variants.isEmpty {
                evidence.append(
                    "names that differ only in case: "
                        + quotedNames(variants)
                        + " (servers compare byte for byte)")
                fix.append(
                    """
                    Log in as the name exactly as it is written in the file, or add \(who) with `htpasswd -B FILE \
                    \(PasswordFile.display(check.user))`.
                    """
                )
            }
            if file.kind == .htdigest, let realm = check.realm {
                let realms = file.realms(of: check.user)
                if !realms.isEmpty {
                    evidence.append(
                        "\(who) exists in realm(s) "
                            + quotedNames(realms)
                            + ", not in \"\(PasswordFile.display(realm))\"")
                    fix.append(
                        """
                        The realm in the file must equal `AuthName`; add the user to it: `htdigest FILE \
                        \"\(PasswordFile.display(realm))\" \(PasswordFile.display(check.user))`.
                        """
                    )
                }
            }
            if !file.malformed.isEmpty {
                evidence.append(
                    """
                    \(file.malformed.count) line(s) do not parse — the user's line may be one of them (see \
                    authfile.malformed)
                    """
                )
            }
            return [Finding(description.id, evidence: evidence, fix: fix)]
        }
    }

    /// `authfile.password-mismatch` (verify): the password does not give the stored hash (htpasswd)
    /// or the stored md5(user:realm:password) (htdigest).
    public enum PasswordMismatchRule: Rule {
        public static let description = RuleDescription<PasswordFileEvidence>(
            id: .authfilePasswordMismatch,
            triggering: [
                PasswordFileSample.verify("alice:\(PasswordFileSample.bcrypt)\n", "alice", .mismatch),
                PasswordFileSample.verify("d:\(PasswordFileSample.des)\n", "d", .mismatch, length: 5),
                PasswordFileSample.verify("dora:Private Area:0123456789abcdef0123456789abcdef\n", "dora", .mismatch),
            ],
            nonTriggering: [
                PasswordFileSample.verify("alice:\(PasswordFileSample.bcrypt)\n", "alice"),
                PasswordFileSample.verify("alice:\(PasswordFileSample.bcrypt)\n", "bob", .mismatch),
            ])

        public static func check(_ e: PasswordFileEvidence) -> [Finding] {
            guard let check = e.check, let (entry, verdict) = e.ownEntry else { return [] }
            let whereText = "line \(entry.line), user \(who(entry.user))"
            guard e.file.kind == .htpasswd, let format = entry.format else {
                // htdigest: the HA1 either matches or not.
                guard verdict != .match else { return [] }
                let realm = PasswordFile.display(entry.realm ?? "")
                return [
                    Finding(
                        description.id,
                        detail:
                            """
                            The password does not give the stored md5(user:realm:password) for realm \"\(realm)\". \
                            Either the password is wrong or the entry was made with another password or realm \
                            spelling.
                            """,
                        evidence: ["\(whereText), realm \"\(realm)\": htdigest MD5 does not match"])
                ]
            }
            guard verdict == .mismatch else { return [] }
            var detail: String?
            if format == .desCrypt, check.passwordLength < 8 {
                detail =
                    """
                    The password does not verify against the DES crypt hash (it has \(check.passwordLength) \
                    characters; DES crypt compares the first 8).
                    """
            }
            return [
                Finding(
                    description.id, detail: detail, evidence: ["\(whereText): \(format.displayName) does not match"])
            ]
        }
    }

    /// `authfile.unsupported-hash`: lint — per target server, the entries it never matches; verify —
    /// the user's own entry is in a format a target server never matches, or this system's crypt(3)
    /// cannot evaluate it.
    public enum UnsupportedHashRule: Rule {
        public static let description = RuleDescription<PasswordFileEvidence>(
            id: .authfileUnsupportedHash,
            triggering: [
                PasswordFileSample.lint("p:plainpw\nq:{PLAIN}x\n"),
                PasswordFileSample.verify("p:hunter2\n", "p"),
                PasswordFileSample.verify("q:{PLAIN}x\n", "q", servers: [.apache]),
                PasswordFileSample.verify("s:\(PasswordFileSample.sha1)\n", "s", .unverifiable),
            ],
            nonTriggering: [
                PasswordFileSample.lint("q:{PLAIN}x\nb:\(PasswordFileSample.bcrypt)\n", servers: [.nginx]),
                PasswordFileSample.verify("q:{PLAIN}x\n", "q", servers: [.nginx]),
                PasswordFileSample.verify("alice:\(PasswordFileSample.bcrypt)\n", "alice"),
            ])

        public static func check(_ e: PasswordFileEvidence) -> [Finding] {
            guard e.file.kind == .htpasswd else { return [] }
            guard e.check != nil else { return unsupportedFindings(e.file.entries, servers: e.servers) }
            guard let (entry, verdict) = e.ownEntry, let format = entry.format else { return [] }
            let whereText = "line \(entry.line), user \(who(entry.user))"
            if verdict == .unverifiable {
                return [
                    Finding(
                        description.id,
                        detail:
                            """
                            The stored \(format.displayName) hash could not be evaluated by this system's \
                            crypt(3), so no password can be shown to match it.
                            """,
                        evidence: ["\(whereText): \(format.displayName) refused by crypt(3)"])
                ]
            }
            let rejecting = e.servers.filter { !format.accepted(by: $0) }
            guard !rejecting.isEmpty else { return [] }
            let accepting = e.servers.filter { format.accepted(by: $0) }
            let names = rejecting.map(\.displayName).joined(separator: " and ")
            let detail: String
            switch (format, verdict) {
            case (.plainText, .match):
                detail =
                    """
                    The password equals the plain-text entry, but \(names) never match plain text on Linux (they \
                    hand it to crypt(3)): the correct password is refused with 401 and logged as a password \
                    mismatch.
                    """
            case (_, .match):
                detail =
                    """
                    The password matches the \(format.displayName) entry, but \(names) cannot use that format: the \
                    correct password is refused with 401 and logged as a password mismatch.
                    """
                    + (accepting.isEmpty
                        ? "" : " " + accepting.map(\.displayName).joined(separator: " and ") + " accepts it.")
            default:
                detail =
                    """
                    Even with the right password, \(names) would refuse this \(format.displayName) entry: it never \
                    matches there.
                    """
            }
            return [
                Finding(
                    description.id, detail: detail,
                    evidence: rejecting.map {
                        "\(whereText): \(format.displayName) — \($0.displayName) never matches it"
                    })
            ]
        }
    }

    /// `authfile.weak-hash`: lint — every entry in a weak format; verify — the user's own entry, and
    /// for DES crypt how many characters of this password are ignored.
    public enum WeakHashRule: Rule {
        public static let description = RuleDescription<PasswordFileEvidence>(
            id: .authfileWeakHash,
            triggering: [
                PasswordFileSample.lint("s:\(PasswordFileSample.sha1)\nb:\(PasswordFileSample.bcrypt)\n"),
                PasswordFileSample.verify("d:\(PasswordFileSample.des)\n", "d", length: 11),
                PasswordFileSample.verify("s:\(PasswordFileSample.sha1)\n", "s", .mismatch),
            ],
            nonTriggering: [
                PasswordFileSample.lint("b:\(PasswordFileSample.bcrypt)\n"),
                // verify: another user's weak line is OtherLinesWeakRule's warning.
                PasswordFileSample.verify("s:\(PasswordFileSample.sha1)\nb:\(PasswordFileSample.bcrypt)\n", "b"),
                PasswordFileSample.verify("s:\(PasswordFileSample.sha1)\n", "s", .unverifiable),
            ])

        public static func check(_ e: PasswordFileEvidence) -> [Finding] {
            guard e.file.kind == .htpasswd else { return [] }
            guard let check = e.check else { return weakFinding(e.file.entries).map { [$0] } ?? [] }
            guard let (entry, verdict) = e.ownEntry, let format = entry.format, verdict != .unverifiable,
                let weakness = format.weakness
            else { return [] }
            let who = who(entry.user)
            var evidence = ["line \(entry.line), user \(who): \(weakness)"]
            var detail =
                """
                The entry for \(who) is \(format.displayName): it works, but it is weak if the file leaks. Re-hash \
                it with bcrypt.
                """
            if format == .desCrypt, check.passwordLength > 8 {
                let ignored = check.passwordLength - 8
                evidence.append(
                    """
                    the password given has \(check.passwordLength) characters: only the first 8 are checked, the \
                    other \(ignored) are ignored
                    """
                )
                detail =
                    """
                    The entry is DES crypt, which checks only the first 8 characters of a password: the last \
                    \(ignored) character\(ignored == 1 ? "" : "s") of this password \(ignored == 1 ? "is" : "are") \
                    ignored, so any password with the same first 8 characters is accepted.
                    """
            }
            return [Finding(description.id, detail: detail, evidence: evidence)]
        }
    }
}

// MARK: - verify: the other lines, as warnings

extension PasswordFileRules {
    static let otherLinesMalformedNote =
        "This user's password check does not depend on them; `why401 htpasswd lint FILE` checks the whole file."
    static let otherLinesNote = "They do not affect this user; `why401 htpasswd lint FILE` checks the whole file."

    /// `authfile.malformed` (verify, warning): lines that do not parse, which do not decide this user's answer.
    public enum OtherLinesMalformedRule: Rule {
        public static let description = RuleDescription<PasswordFileEvidence>(
            id: .authfileMalformed,
            triggering: [PasswordFileSample.verify("ok:\(PasswordFileSample.bcrypt)\nbroken\n", "ok")],
            nonTriggering: [
                PasswordFileSample.verify("ok:\(PasswordFileSample.bcrypt)\n", "ok"),
                PasswordFileSample.lint("ok:\(PasswordFileSample.bcrypt)\nbroken\n"),
            ])

        public static func check(_ e: PasswordFileEvidence) -> [Finding] {
            guard e.check != nil, let finding = malformedFinding(e.file) else { return [] }
            return [otherLines(finding, subject: "other lines", why: otherLinesMalformedNote)]
        }
    }

    /// `authfile.unsupported-hash` (verify, warning): other users' entries a target server never matches.
    public enum OtherLinesUnsupportedRule: Rule {
        public static let description = RuleDescription<PasswordFileEvidence>(
            id: .authfileUnsupportedHash,
            triggering: [PasswordFileSample.verify("p:plainpw\nalice:\(PasswordFileSample.bcrypt)\n", "alice")],
            nonTriggering: [
                PasswordFileSample.verify(
                    "s:\(PasswordFileSample.sha1)\nalice:\(PasswordFileSample.bcrypt)\n", "alice"),
                PasswordFileSample.lint("p:plainpw\n"),
            ])

        public static func check(_ e: PasswordFileEvidence) -> [Finding] {
            guard e.check != nil, e.file.kind == .htpasswd else { return [] }
            return unsupportedFindings(e.otherEntries, servers: e.servers).map { finding in
                otherLines(finding, subject: "other lines, \(finding.subject ?? "")", why: otherLinesNote)
            }
        }
    }

    /// `authfile.weak-hash` (verify, warning): other users' entries in a weak format.
    public enum OtherLinesWeakRule: Rule {
        public static let description = RuleDescription<PasswordFileEvidence>(
            id: .authfileWeakHash,
            triggering: [
                PasswordFileSample.verify("s:\(PasswordFileSample.sha1)\nalice:\(PasswordFileSample.bcrypt)\n", "alice")
            ],
            nonTriggering: [
                PasswordFileSample.verify("alice:\(PasswordFileSample.bcrypt)\n", "alice"),
                PasswordFileSample.lint("s:\(PasswordFileSample.sha1)\n"),
            ])

        public static func check(_ e: PasswordFileEvidence) -> [Finding] {
            guard e.check != nil, e.file.kind == .htpasswd, let finding = weakFinding(e.otherEntries) else { return [] }
            return [otherLines(finding, subject: "other lines", why: otherLinesNote)]
        }
    }
}

/// At most five names from a password file, each quoted and made printable: `"alice", "Alice"`.
func quotedNames(_ names: [String]) -> String {
    names.prefix(5).map { "\"\(PasswordFile.display($0))\"" }.joined(separator: ", ")
}
