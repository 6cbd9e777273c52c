import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 server` permissions walk end to end: a tree with one of each problem, judged as www-data,
/// with `--apply` and `--undo` through an explicit journal. A minimal Apache config names the tree
/// as DocumentRoot so the run never touches the machine's own /etc/apache2 roots.
@Suite(.serialized) struct ServerPermissionsCLITests {
    struct Tree {
        let dir: TempDirectory
        let root: String
        let config: String
        let journal: String
    }

    static func makeTree() throws -> Tree {
        let dir = try TempDirectory(prefix: "why401-srvperm")
        let root = try dir.makeDirectory("site")
        try dir.write("site/index.html", "hello\n")
        try dir.write("site/secret.html", "secret\n", mode: 0o600)
        try dir.write("site/locked/inner.html", "inner\n")
        chmod(dir.path("site/locked"), 0o700)
        try dir.makeDirectory("site/uploads")
        chmod(dir.path("site/uploads"), 0o777)
        try dir.write("site/shared.txt", "shared\n", mode: 0o666)
        try dir.write("site/.htpasswd", "alice:$apr1$abc$def\n")
        #expect(mkfifo(dir.path("site/pipe"), 0o644) == 0)
        symlink(dir.path("site/l2"), dir.path("site/l1"))
        symlink(dir.path("site/l1"), dir.path("site/l2"))
        let config = try dir.write(
            "conf/httpd.conf",
            """
            User www-data
            Group www-data
            DocumentRoot "\(root)"
            <Directory "\(root)">
                Require all granted
            </Directory>

            """)
        return Tree(dir: dir, root: root, config: config, journal: dir.path("journal.jsonl"))
    }

    static func snapshot(_ root: String) -> [String: UInt32] {
        var out: [String: UInt32] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        var paths = [root]
        while let relative = enumerator?.nextObject() as? String { paths.append(root + "/" + relative) }
        for path in paths {
            var st = stat()
            if lstat(path, &st) == 0 { out[path] = UInt32(st.st_mode & 0o7777) }
        }
        return out
    }

    static func mode(_ path: String) -> UInt32 {
        var st = stat()
        lstat(path, &st)
        return UInt32(st.st_mode & 0o7777)
    }

    @Test func walkReportsWithoutChangingAnything() throws {
        let tree = try Self.makeTree()
        defer { tree.dir.remove() }
        let before = Self.snapshot(tree.root)
        let r = try CLI.run([
            "server", "--apache", tree.config, "--as", "www-data", "--journal", tree.journal, "--json",
        ])
        #expect(r.status == 1, "\(r)")
        #expect(try SchemaValidator.validate(r.stdout) == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let ids = Set((object["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        #expect(ids.isSuperset(of: ["perm.unreadable", "perm.world-writable", "authfile.in-docroot"]))
        let permissions = try #require(object["permissions"] as? [String: Any])
        #expect(permissions["worker"] as? String == "www-data")
        let changes = try #require(permissions["changes"] as? [[String: Any]])
        #expect(
            Set(changes.compactMap { $0["path"] as? String }) == [
                tree.root + "/secret.html", tree.root + "/locked", tree.root + "/uploads", tree.root + "/shared.txt",
            ])
        #expect(changes.contains { $0["command"] as? String == "chmod 0644 \(tree.root)/secret.html" })
        #expect((permissions["symlink_loops"] as? [String])?.count == 2)
        #expect(Self.snapshot(tree.root) == before)
        #expect(!FileManager.default.fileExists(atPath: tree.journal))
        let text = try CLI.run(["server", "--apache", tree.config, "--as", "www-data"])
        #expect(text.stdout.contains("chmod 0755 \(tree.root)/locked"))
        #expect(text.stdout.contains("nothing was changed"))
    }

    @Test func applyPrintsThenChangesExactlyThoseModesAndUndoRestoresThem() throws {
        let tree = try Self.makeTree()
        defer { tree.dir.remove() }
        let before = Self.snapshot(tree.root)
        let r = try CLI.run([
            "server", "--apache", tree.config, "--as", "www-data", "--apply", "--journal", tree.journal,
        ])
        // Printed before being made, one exact command per change.
        for line in [
            "chmod 0644 \(tree.root)/secret.html", "chmod 0755 \(tree.root)/locked", "chmod 0755 \(tree.root)/uploads",
            "chmod 0644 \(tree.root)/shared.txt",
        ] {
            #expect(r.stderr.contains(line), "\(r)")
        }
        var expected = before
        expected[tree.root + "/secret.html"] = 0o644
        expected[tree.root + "/locked"] = 0o755
        expected[tree.root + "/uploads"] = 0o755
        expected[tree.root + "/shared.txt"] = 0o644
        #expect(Self.snapshot(tree.root) == expected)
        #expect(FileManager.default.fileExists(atPath: tree.journal))
        // What is left after --apply is the password file in the root, not the modes.
        #expect(!r.stdout.contains("perm.unreadable"))
        #expect(r.stdout.contains("authfile.in-docroot"))
        #expect(r.stdout.contains("applied 4 mode change(s)"), "\(r)")
        #expect(!r.stdout.contains("skipped"))

        let undo = try CLI.run(["server", "--undo", "--journal", tree.journal, "--json"])
        #expect(undo.status == 0, "\(undo)")
        #expect(try SchemaValidator.validate(undo.stdout) == nil)
        #expect(Self.snapshot(tree.root) == before)
        #expect(!FileManager.default.fileExists(atPath: tree.journal))
        let again = try CLI.run(["server", "--undo", "--journal", tree.journal])
        #expect(again.status == 3)
        #expect(again.stderr.split(separator: "\n").count == 1)
    }

    @Test func progressOnlyOnATerminal() throws {
        let tree = try Self.makeTree()
        defer { tree.dir.remove() }
        let args = ["server", "--apache", tree.config, "--as", "www-data", "--journal", tree.journal]
        let piped = try CLI.run(args)
        #expect(!piped.stderr.contains("walking as"))
        let script = try #require(
            ProcessRunner.which("script"), "script(1) gives the child a pty; .ci/run installs bsdutils")
        let command = ([try CLI.binary] + args).map { "'\($0)'" }.joined(separator: " ")
        let tty = try ProcessRunner.run(script, ["-q", "-c", command, "/dev/null"], timeout: 60)
        #expect(tty.stdout.contains("walking as www-data: 11 entries"), "\(tty)")
    }

    @Test func sigintDuringApplyRestoresEveryMode() async throws {
        let dir = try TempDirectory(prefix: "why401-srvperm-int")
        defer { dir.remove() }
        let root = try dir.makeDirectory("site")
        for d in 0..<50 {
            mkdir(root + "/d\(d)", 0o755)
            for f in 0..<1000 { close(open(root + "/d\(d)/f\(f)", O_CREAT | O_WRONLY, 0o600)) }
        }
        let config = try dir.write("conf/httpd.conf", "User www-data\nDocumentRoot \"\(root)\"\n")
        let journal = dir.path("journal.jsonl")
        let before = Self.snapshot(root)
        let child = try Background.spawn(
            try CLI.binary, ["server", "--apache", config, "--as", "www-data", "--apply", "--journal", journal])
        let started = waitUntil(timeout: 60) { FileManager.default.fileExists(atPath: journal) }
        #expect(started)
        kill(child.pid, SIGINT)
        let status = child.wait(timeout: 120)
        #expect(status == .exited(130), "\(child.stderr().suffix(500))")
        #expect(child.stderr().contains("SIGINT: restored"))
        #expect(Self.snapshot(root) == before)
        #expect(!FileManager.default.fileExists(atPath: journal))
    }

    @Test func realApacheShows403BeforeAnd200AfterApply() async throws {
        try RealServers.requireApache()
        try #require(geteuid() == 0, "the worker is www-data only when Apache starts as root (CI runs as root)")
        try await withApache(config: "") { apache in
            let file = apache.docroot + "/private.html"
            #expect(FileManager.default.createFile(atPath: file, contents: Data("private\n".utf8)))
            chmod(file, 0o600)
            #expect(try HTTPProbe.get(apache.url("/private.html")).status == 403)
            let journal = apache.directory.path("journal.jsonl")
            let r = try CLI.run([
                "server", "--apache", apache.configPath, "--as", "www-data", "--apply", "--journal", journal,
            ])
            #expect(r.stderr.contains("chmod 0644 \(file)"), "\(r)")
            #expect(try HTTPProbe.get(apache.url("/private.html")).status == 200)
            let undo = try CLI.run(["server", "--undo", "--journal", journal])
            #expect(undo.status == 0, "\(undo)")
            #expect(Self.mode(file) == 0o600)
            #expect(try HTTPProbe.get(apache.url("/private.html")).status == 403)
        }
    }
}
