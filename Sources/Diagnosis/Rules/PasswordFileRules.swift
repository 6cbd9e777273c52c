import Credentials

/// The pure rules behind `why401 htpasswd verify` and `why401 htpasswd lint`: a parsed password file,
/// the outcome of one password check (verify only) and the target servers in, findings out. No I/O,
/// and no password: the check carries only the password's length.
///
/// Server facts (measured on Apache 2.4.71 and nginx 1.22.1): plain text never matches on either;
/// `{PLAIN}` and `{SSHA}` match on nginx only; DES crypt checks only the first 8 characters; an
/// unusable hash is logged by both as an ordinary password mismatch. htdigest files belong to Apache's
/// mod_auth_digest only (nginx has no Digest), so server support is not judged for them.
public enum PasswordFileRules {
    /// At most this many lines are listed in a finding's evidence; the rest are counted.
    public static let evidenceLimit = 20

    // MARK: - verify

    public static func verify(file: PasswordFile, check: PasswordCheck, servers: [PasswordServer]) -> [Finding] {
        var out: [Finding] = []
        let who = "\"\(PasswordFile.display(check.user))\""
        switch check.result {
        case .userNotFound:
            var evidence = ["no line for user \(who)\(check.realm.map { " in realm \"\(PasswordFile.display($0))\"" } ?? "") among \(file.entries.count) entries"]
            var fix: [String] = []
            let variants = file.caseVariants(of: check.user)
            if !variants.isEmpty {
                evidence.append("names that differ only in case: " + variants.prefix(5).map { "\"\(PasswordFile.display($0))\"" }.joined(separator: ", ") + " (servers compare byte for byte)")
                fix.append("Log in as the name exactly as it is written in the file, or add \(who) with `htpasswd -B FILE \(PasswordFile.display(check.user))`.")
            }
            if file.kind == .htdigest, let realm = check.realm {
                let realms = file.realms(of: check.user)
                if !realms.isEmpty {
                    evidence.append("\(who) exists in realm(s) " + realms.prefix(5).map { "\"\(PasswordFile.display($0))\"" }.joined(separator: ", ") + ", not in \"\(PasswordFile.display(realm))\"")
                    fix.append("The realm in the file must equal `AuthName`; add the user to it: `htdigest FILE \"\(PasswordFile.display(realm))\" \(PasswordFile.display(check.user))`.")
                }
            }
            if !file.malformed.isEmpty {
                evidence.append("\(file.malformed.count) line(s) do not parse — the user's line may be one of them (see authfile.malformed)")
            }
            out.append(Finding(.authfileUserNotFound, evidence: evidence, fix: fix))
        case .checked(let entry, let verdict):
            out += checked(entry: entry, verdict: verdict, check: check, kind: file.kind, servers: servers)
        }
        let ownLine: Int? = if case .checked(let entry, _) = check.result { entry.line } else { nil }
        out += otherLines(file, except: ownLine, servers: servers)
        return out.ranked()
    }

    /// Whether `verify` answers yes: the user's password verifies with a hash every target server
    /// can read. Other lines of the file do not change this (their problems are warnings; `lint` is
    /// for the whole file), so a script can trust `verify … && echo ok` as it trusts `htpasswd -v`.
    public static func verifies(_ check: PasswordCheck, kind: PasswordFile.Kind, servers: [PasswordServer]) -> Bool {
        guard case .checked(let entry, .match) = check.result else { return false }
        guard kind == .htpasswd, let format = entry.format else { return true }
        return servers.allSatisfy { format.accepted(by: $0) }
    }

    /// `verify`'s view of the rest of the file: malformed lines, and other users' hashes that a
    /// target server never matches or that are weak — warnings, whatever the catalog's severity,
    /// since they do not decide whether this user's password works.
    static func otherLines(_ file: PasswordFile, except line: Int?, servers: [PasswordServer]) -> [Finding] {
        var out: [Finding] = []
        if var malformed = malformedFinding(file) {
            malformed.severity = .warning
            malformed.detail = "Other lines: " + malformed.detail + " This user's password check does not depend on them; `why401 htpasswd lint FILE` checks the whole file."
            out.append(malformed)
        }
        guard file.kind == .htpasswd else { return out }
        let others = file.entries.filter { $0.line != line }
        for var finding in entryFindings(others, servers: servers) {
            finding.severity = .warning
            finding.detail = "Other lines: " + finding.detail + " They do not affect this user; `why401 htpasswd lint FILE` checks the whole file."
            out.append(finding)
        }
        return out
    }

    static func checked(entry: PasswordFile.Entry, verdict: PasswordVerdict, check: PasswordCheck, kind: PasswordFile.Kind, servers: [PasswordServer]) -> [Finding] {
        var out: [Finding] = []
        let who = "\"\(PasswordFile.display(entry.user))\""
        let whereText = "line \(entry.line), user \(who)"
        guard kind == .htpasswd, let format = entry.format else {
            // htdigest: the HA1 either matches or not.
            if verdict != .match {
                out.append(
                    Finding(
                        .authfilePasswordMismatch,
                        detail: "The password does not give the stored md5(user:realm:password) for realm \"\(PasswordFile.display(entry.realm ?? ""))\". Either the password is wrong or the entry was made with another password or realm spelling.",
                        evidence: ["\(whereText), realm \"\(PasswordFile.display(entry.realm ?? ""))\": htdigest MD5 does not match"]))
            }
            return out
        }
        let rejecting = servers.filter { !format.accepted(by: $0) }
        let accepting = servers.filter { format.accepted(by: $0) }

        if verdict == .unverifiable {
            out.append(
                Finding(
                    .authfileUnsupportedHash,
                    detail: "The stored \(format.displayName) hash could not be evaluated by this system's crypt(3), so no password can be shown to match it.",
                    evidence: ["\(whereText): \(format.displayName) refused by crypt(3)"]))
            return out
        }
        if verdict == .mismatch {
            var detail: String?
            if format == .desCrypt, check.passwordLength < 8 {
                detail = "The password does not verify against the DES crypt hash (it has \(check.passwordLength) characters; DES crypt compares the first 8)."
            }
            out.append(Finding(.authfilePasswordMismatch, detail: detail, evidence: ["\(whereText): \(format.displayName) does not match"]))
        }
        if !rejecting.isEmpty {
            let names = rejecting.map(\.displayName).joined(separator: " and ")
            let detail: String
            switch (format, verdict) {
            case (.plainText, .match):
                detail = "The password equals the plain-text entry, but \(names) never match plain text on Linux (they hand it to crypt(3)): the correct password is refused with 401 and logged as a password mismatch."
            case (_, .match):
                detail = "The password matches the \(format.displayName) entry, but \(names) cannot use that format: the correct password is refused with 401 and logged as a password mismatch."
                    + (accepting.isEmpty ? "" : " " + accepting.map(\.displayName).joined(separator: " and ") + " accepts it.")
            default:
                detail = "Even with the right password, \(names) would refuse this \(format.displayName) entry: it never matches there."
            }
            out.append(
                Finding(
                    .authfileUnsupportedHash, detail: detail,
                    evidence: rejecting.map { "\(whereText): \(format.displayName) — \($0.displayName) never matches it" }))
        }
        if let weakness = format.weakness {
            var evidence = ["\(whereText): \(weakness)"]
            var detail = "The entry for \(who) is \(format.displayName): it works, but it is weak if the file leaks. Re-hash it with bcrypt."
            if format == .desCrypt, check.passwordLength > 8 {
                let ignored = check.passwordLength - 8
                evidence.append("the password given has \(check.passwordLength) characters: only the first 8 are checked, the other \(ignored) are ignored")
                detail = "The entry is DES crypt, which checks only the first 8 characters of a password: the last \(ignored) character\(ignored == 1 ? "" : "s") of this password \(ignored == 1 ? "is" : "are") ignored, so any password with the same first 8 characters is accepted."
            }
            out.append(Finding(.authfileWeakHash, detail: detail, evidence: evidence))
        }
        return out
    }

    // MARK: - lint

    public static func lint(file: PasswordFile, servers: [PasswordServer]) -> [Finding] {
        var out: [Finding] = []
        if let malformed = malformedFinding(file) { out.append(malformed) }
        guard file.kind == .htpasswd else { return out.ranked() }
        out += entryFindings(file.entries, servers: servers)
        return out.ranked()
    }

    /// Per target server, the entries it never matches (`authfile.unsupported-hash`), then the weak
    /// ones (`authfile.weak-hash`), for htpasswd entries.
    static func entryFindings(_ entries: [PasswordFile.Entry], servers: [PasswordServer]) -> [Finding] {
        var out: [Finding] = []
        for server in servers {
            let bad = entries.filter { ($0.format.map { !$0.accepted(by: server) }) ?? false }
            guard !bad.isEmpty else { continue }
            let detail = "\(server.displayName) never matches \(bad.count) entr\(bad.count == 1 ? "y" : "ies") of this file: a user with the correct password is refused with 401 and the server logs an ordinary password mismatch."
            out.append(
                Finding(
                    .authfileUnsupportedHash, detail: detail,
                    evidence: capped(bad.count, bad.prefix(evidenceLimit).map { "line \($0.line), user \"\(PasswordFile.display($0.user))\": \($0.format!.displayName) — \(server.displayName) never matches it" })))
        }
        let weak = entries.filter { $0.format?.weakness != nil }
        if !weak.isEmpty {
            var detail = "\(weak.count) entr\(weak.count == 1 ? "y uses" : "ies use") a weak hash format."
            if weak.contains(where: { $0.format == .desCrypt }) {
                detail += " DES crypt checks only the first 8 characters: anything after the 8th character of a password is ignored."
            }
            out.append(
                Finding(
                    .authfileWeakHash, detail: detail,
                    evidence: capped(weak.count, weak.prefix(evidenceLimit).map { "line \($0.line), user \"\(PasswordFile.display($0.user))\": \($0.format!.weakness!)" })))
        }
        return out
    }

    // MARK: - Shared

    /// One finding for all malformed lines, each named by its line number.
    static func malformedFinding(_ file: PasswordFile) -> Finding? {
        guard !file.malformed.isEmpty else { return nil }
        let numbers = file.malformed.prefix(10).map { String($0.line) }.joined(separator: ", ")
        let detail = "\(file.malformed.count) line\(file.malformed.count == 1 ? "" : "s") of this \(file.kind.rawValue) file do\(file.malformed.count == 1 ? "es" : "") not parse (line\(file.malformed.count == 1 ? "" : "s") \(numbers)\(file.malformed.count > 10 ? ", …" : "")). A user on such a line cannot log in: the server reports a password mismatch or \"user not found\"."
        return Finding(.authfileMalformed, detail: detail, evidence: capped(file.malformed.count, file.malformed.prefix(evidenceLimit).map { "line \($0.line): \($0.reason)" }))
    }

    /// The first `evidenceLimit` items (already cut by the caller, so 10⁶ lines make 20 strings) and a count of the rest.
    static func capped(_ total: Int, _ items: [String]) -> [String] {
        guard total > items.count else { return items }
        return items + ["… and \(total - items.count) more"]
    }
}
