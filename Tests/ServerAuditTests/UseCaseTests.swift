import Diagnosis
import Evidence
import Foundation
import Report
import TestSupport
import Testing
import Why401Kit

#if canImport(Glibc)
    import Glibc
#endif

/// The admin-side library entry points (`UseCase.auditServer`, `fixPermissions`, `undoChanges`,
/// `auditWordPress`) without the CLI: the workflows and the structured filters live here, so every
/// front end gets them.
@Suite(.serialized) struct AdminUseCaseTests {
    static func mode(_ path: String) -> UInt32 {
        var st = stat()
        return lstat(path, &st) == 0 ? UInt32(st.st_mode & 0o7777) : 0
    }

    @Test("a password file the configuration names is judged by the config audit; the walk reports only the others")
    func configuredUserFileIsFilteredByPath() throws {
        let dir = try TempDirectory(prefix: "why401-usecase")
        defer { dir.remove() }
        try dir.write("htdocs/p/index.html", "x\n")
        try dir.write("htdocs/pw.txt", "alice:$apr1$abcdefgh$abcdefghijklmnopqrstuv\n")
        // A name the old evidence-text filter matched by prefix would not tell apart from pw.txt's line.
        try dir.write("htdocs/pw.txt.htpasswd", "bob:$apr1$abcdefgh$abcdefghijklmnopqrstuv\n")
        let conf = try dir.write(
            "httpd.conf",
            """
            DocumentRoot "\(dir.path)/htdocs"
            <Directory "\(dir.path)/htdocs/p">
                AuthType Basic
                AuthName P
                AuthUserFile "\(dir.path)/htdocs/pw.txt"
                Require valid-user
            </Directory>
            """)
        let result = try UseCase.auditServer(ServerAuditRequest(apache: conf, worker: "www-data"))
        let inRoot = result.findings.filter { $0.id.rawValue == "authfile.in-docroot" }
        #expect(inRoot.count == 2, "one from the configuration, one from the walk: \(inRoot.map(\.evidence))")
        let fromConfig = try #require(inRoot.first { $0.evidence.contains { $0.contains("\(conf):5") } })
        #expect(fromConfig.evidence.first == "AuthUserFile \(dir.path)/htdocs/pw.txt at \(conf):5")
        let fromWalk = try #require(inRoot.first { $0.evidence.contains { $0.contains("(under ") } })
        #expect(fromWalk.evidence == ["\(dir.path)/htdocs/pw.txt.htpasswd (under \(dir.path)/htdocs)"])
        #expect(
            fromWalk.detail.hasPrefix("1 password file lies"), "counted without the configured one: \(fromWalk.detail)")
        // The walk's facts (the JSON `permissions.auth_files_in_root`) still list both files.
        let facts = try #require(result.permissions?.facts)
        #expect(
            Set(facts.authFilesInRoot.map(\.path)) == [
                "\(dir.path)/htdocs/pw.txt", "\(dir.path)/htdocs/pw.txt.htpasswd",
            ])
        #expect(result.worker == "www-data")
        #expect(ServerAuditReport.report(result).outcome == .ok, "the builder states no threshold")
    }

    @Test("apply → re-walk → re-judge: what was fixed is no longer a finding, and undo puts the modes back")
    func applyThenUndo() throws {
        try #require(geteuid() == 0, "the walk judges as www-data; making a file unreadable to it needs root")
        let dir = try TempDirectory(prefix: "why401-usecase")
        defer { dir.remove() }
        let root = try dir.makeDirectory("site")
        let secret = try dir.write("site/secret.txt", "x\n", mode: 0o600)
        let journal = dir.path("journal.jsonl")

        let proposed = try UseCase.fixPermissions(
            PermissionFixRequest(roots: [root], worker: "www-data", journal: journal))
        #expect(proposed.findings.map(\.id.rawValue) == ["perm.unreadable"])
        #expect(proposed.applied == nil && Self.mode(secret) == 0o600, "nothing changes without apply")
        #expect(!FileManager.default.fileExists(atPath: journal))

        let fixed = try UseCase.fixPermissions(
            PermissionFixRequest(roots: [root], worker: "www-data", apply: true, journal: journal))
        #expect(Self.mode(secret) == 0o644)
        #expect(fixed.applied?.changes.map(\.path) == [secret])
        #expect(fixed.findings.isEmpty, "re-judged after the change: \(fixed.findings.map(\.id))")
        #expect(fixed.facts.unreadable.map(\.path) == [secret], "the facts are the walk as first seen")

        let undone = try UseCase.undoChanges(UndoRequest(journal: journal))
        #expect(undone.steps.map(\.result) == [.restored] && !undone.hasFailures)
        #expect(Self.mode(secret) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: journal))
        #expect(throws: AuditFailure.incomplete("--undo: no journal at \(journal): nothing to undo")) {
            try UseCase.undoChanges(UndoRequest(journal: journal))
        }
    }

    @Test("bad requests are typed failures: usage for an unknown worker or version, incomplete for no configuration")
    func typedFailures() throws {
        let dir = try TempDirectory(prefix: "why401-usecase")
        defer { dir.remove() }
        #expect(throws: AuditFailure.usage("--as no-such-user-why401: no such user")) {
            try UseCase.auditServer(ServerAuditRequest(roots: [dir.path], worker: "no-such-user-why401"))
        }
        #expect(throws: AuditFailure.self) {
            try UseCase.auditServer(ServerAuditRequest(roots: [dir.path], apacheVersion: "x"))
        }
        let empty = ServerAuditRequest(
            defaultApacheDirectory: dir.path("none-a"), defaultNginxDirectory: dir.path("none-n"))
        #expect(throws: AuditFailure.self) { try UseCase.auditServer(empty) }
        do {
            _ = try UseCase.auditServer(empty)
        } catch let failure as AuditFailure {
            #expect(failure.kind == .incomplete && !failure.message.contains("\n"))
        }
    }
}
