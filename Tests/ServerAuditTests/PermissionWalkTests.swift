import Diagnosis
import Evidence
import Foundation
import HostAccess
import TestSupport
import Testing
import WebRootWalk

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Trees built in a temp dir (the tests run as root) and judged as www-data, the worker account.
@Suite(.serialized) struct PermissionWalkTests {
    static var worker: WorkerIdentity {
        get throws {
            try #require(
                WorkerIdentity.resolve("www-data"), "the www-data account must exist (Debian's apache2 creates it)")
        }
    }

    /// A root with one of each problem, plus a symlink loop, a socket and a FIFO.
    static func makeTree(_ dir: TempDirectory) throws -> String {
        let root = try dir.makeDirectory("site")
        try dir.write("site/index.html", "hello\n")
        try dir.write("site/secret.txt", "nope\n", mode: 0o600)
        try dir.makeDirectory("site/locked", mode: 0o755)
        try dir.write("site/locked/inner.txt", "inner\n")
        chmod(dir.path("site/locked"), 0o700)
        try dir.makeDirectory("site/open")
        chmod(dir.path("site/open"), 0o777)
        try dir.write("site/shared.txt", "shared\n")
        chmod(dir.path("site/shared.txt"), 0o666)
        try dir.write("site/.htpasswd", "alice:$apr1$x$y\n")
        try dir.makeDirectory("site/private")
        try dir.write("site/private/.htaccess", "Require all denied\n", mode: 0o640)
        symlink(dir.path("site/loop2"), dir.path("site/loop1"))
        symlink(dir.path("site/loop1"), dir.path("site/loop2"))
        symlink("/", dir.path("site/to-root"))
        #expect(mkfifo(dir.path("site/pipe"), 0o644) == 0)
        try makeSocket(dir.path("site/app.sock"))
        return root
    }

    static func makeSocket(_ path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in path.utf8.enumerated() where i < buffer.count - 1 { buffer[i] = byte }
        }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(rc == 0, "bind \(path): \(String(cString: strerror(errno)))")
    }

    /// path → mode of everything under `root` (lstat, symlinks not followed).
    static func snapshot(_ root: String) -> [String: UInt32] {
        var out: [String: UInt32] = [:]
        var stack = [root]
        while let dir = stack.popLast() {
            var st = stat()
            guard lstat(dir, &st) == 0 else { continue }
            out[dir] = UInt32(st.st_mode & 0o7777)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in names {
                let path = dir + "/" + name
                var cst = stat()
                guard lstat(path, &cst) == 0 else { continue }
                out[path] = UInt32(cst.st_mode & 0o7777)
                if cst.st_mode & S_IFMT == S_IFDIR { stack.append(path) }
            }
        }
        return out
    }

    @Test func findsEachProblemAndHandlesLoopsSocketsAndFIFOs() throws {
        let dir = try TempDirectory(prefix: "why401-perm")
        defer { dir.remove() }
        let root = try Self.makeTree(dir)
        let before = Self.snapshot(root)
        let facts = PermissionWalk(worker: try Self.worker).run(roots: [root])

        let unreadable = Dictionary(uniqueKeysWithValues: facts.unreadable.map { ($0.path, $0) })
        #expect(Set(unreadable.keys) == [root + "/secret.txt", root + "/locked", root + "/private/.htaccess"])
        #expect(unreadable[root + "/secret.txt"]?.proposedMode == 0o644)
        #expect(unreadable[root + "/locked"]?.proposedMode == 0o755)
        #expect(unreadable[root + "/private/.htaccess"]?.kind == .htaccess)
        #expect(unreadable[root + "/private/.htaccess"]?.proposedMode == 0o644)
        // inner.txt is readable by mode but blocked by its directory: reported once, via the directory.
        #expect(!facts.unreadable.contains { $0.path.hasSuffix("inner.txt") })

        let writable = Dictionary(uniqueKeysWithValues: facts.worldWritable.map { ($0.path, $0) })
        #expect(Set(writable.keys) == [root + "/open", root + "/shared.txt"])
        #expect(writable[root + "/open"]?.proposedMode == 0o755)
        #expect(writable[root + "/shared.txt"]?.proposedMode == 0o644)

        #expect(facts.authFilesInRoot.map(\.path) == [root + "/.htpasswd"])
        #expect(Set(facts.symlinkLoops) == [root + "/loop1", root + "/loop2"])
        #expect(facts.counts.symlinks == 3)
        #expect(facts.counts.special == 2)  // the FIFO and the socket, never opened
        #expect(facts.counts.files == 6)
        #expect(facts.counts.directories == 4)
        #expect(!facts.truncated)

        let ids = PermissionRules.run(facts).map(\.id)
        #expect(ids == ["perm.unreadable", "authfile.in-docroot", "perm.world-writable"])
        let unreadableFinding = PermissionRules.run(facts)[0]
        #expect(unreadableFinding.fix.contains { $0.contains("chmod 0644 \(root)/secret.txt") })
        #expect(unreadableFinding.fix.contains { $0.contains("chmod 0755 \(root)/locked") })

        // Walking changed nothing.
        #expect(Self.snapshot(root) == before)
    }

    @Test func rootWorkerSeesNoReadProblems() throws {
        let dir = try TempDirectory(prefix: "why401-perm")
        defer { dir.remove() }
        let root = try Self.makeTree(dir)
        let facts = PermissionWalk(worker: .current).run(roots: [root])
        if geteuid() == 0 { #expect(facts.unreadable.isEmpty) }
        #expect(facts.worldWritable.count == 2)
    }

    @Test func passwordFileGetsGroupReadWhenTheWorkerIsInTheGroup() throws {
        let worker = try Self.worker
        let dir = try TempDirectory(prefix: "why401-perm")
        defer { dir.remove() }
        let root = try dir.makeDirectory("site")
        let conf = try dir.makeDirectory("conf")
        let file = try dir.write("conf/users", "alice:$apr1$x$y\n", mode: 0o600)
        chown(file, 0, worker.gids[0])
        let facts = PermissionWalk(worker: worker).run(roots: [root], authFiles: [file])
        #expect(facts.unreadable.map(\.path) == [file])
        #expect(facts.unreadable.first?.kind == .authFile)
        #expect(facts.unreadable.first?.proposedMode == 0o640)  // not world-readable
        #expect(facts.authFilesInRoot.isEmpty)
        _ = conf
    }

    @Test func passwordFileOutsideTheWorkersGroupIsNotMadeWorldReadable() throws {
        let worker = try Self.worker
        let dir = try TempDirectory(prefix: "why401-perm")
        defer { dir.remove() }
        let root = try dir.makeDirectory("site")
        let file = try dir.write("conf/users", "alice:$apr1$x$y\n", mode: 0o600)
        chown(file, 0, 0)
        let facts = PermissionWalk(worker: worker).run(roots: [root], authFiles: [file])
        #expect(facts.unreadable.map(\.path) == [file])
        #expect(facts.unreadable.first?.proposedMode == 0o600)  // no chmod: chgrp is the fix
        #expect(facts.changes.isEmpty)
    }

    @Test func rootThatIsASymlinkIsWalkedAtItsTarget() throws {
        let dir = try TempDirectory(prefix: "why401-perm")
        defer { dir.remove() }
        let root = try Self.makeTree(dir)
        #expect(symlink(root, dir.path("html")) == 0)
        let facts = PermissionWalk(worker: try Self.worker).run(roots: [dir.path("html")])
        #expect(facts.counts.files == 6)
        #expect(Set(facts.worldWritable.map(\.path)) == [root + "/open", root + "/shared.txt"])
    }

    @Test func missingRootIsReportedNotFatal() throws {
        let facts = PermissionWalk(worker: try Self.worker).run(roots: ["/nonexistent/why401/root"])
        #expect(facts.unwalkable.count == 1)
        #expect(facts.counts.total == 0)
    }

    @Test func hundredThousandFilesAreCounted() async throws {
        let dir = try TempDirectory(prefix: "why401-perm-big")
        defer { dir.remove() }
        let root = try dir.makeDirectory("site")
        let worker = try Self.worker
        final class Counter: @unchecked Sendable {
            var calls = 0
            var last = 0
        }
        let counter = Counter()
        // 10⁵ files made and walked twice on a thread of their own: seconds of work (see `offPool`)
        let (facts, capped) = try await offPool {
            for d in 0..<100 {
                let sub = root + "/d\(d)"
                mkdir(sub, 0o755)
                for f in 0..<1000 {
                    let fd = open(sub + "/f\(f).html", O_CREAT | O_WRONLY, 0o644)
                    close(fd)
                }
            }
            chmod(root + "/d7/f7.html", 0o600)
            chmod(root + "/d8/f8.html", 0o666)
            let facts = PermissionWalk(
                worker: worker,
                progress: {
                    counter.calls += 1
                    counter.last = $0
                }
            ).run(roots: [root])
            let capped = PermissionWalk(worker: worker, entryLimit: 5_000).run(roots: [root])
            return (facts, capped)
        }
        #expect(facts.counts.files == 100_000)
        #expect(facts.counts.directories == 101)
        #expect(facts.unreadable.map(\.path) == [root + "/d7/f7.html"])
        #expect(facts.worldWritable.map(\.path) == [root + "/d8/f8.html"])
        #expect(counter.calls >= 20)
        #expect(counter.last == 100_101)
        #expect(capped.truncated)
        #expect(capped.counts.total == 5_000)
    }
}
