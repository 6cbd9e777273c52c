import Foundation
import HostAccess
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `WorkerAccess` judges reads and traversal from mode bits; the oracle here is the kernel itself,
/// asked through `runuser -u www-data -- test -r PATH` (tests run as root, like CI).
@Suite("Worker access")
struct WorkerAccessTests {
    static var canSwitchUser: Bool { geteuid() == 0 && WorkerIdentity.resolve("www-data") != nil }

    @Test func resolvesUsersAndGroups() throws {
        let worker = try #require(WorkerIdentity.resolve("www-data"))
        #expect(worker.uid == 33)
        #expect(worker.gids.first == 33)
        #expect(WorkerIdentity.resolve("no-such-user-why401") == nil)
        #expect(WorkerIdentity.resolve("#0")?.name == "root")
    }

    @Test func namesTheBlockingParentDirectory() throws {
        let worker = try #require(WorkerIdentity.resolve("www-data"))
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        let file = try tmp.write("a/b/.htpasswd", "u:x\n", mode: 0o644)
        #expect(WorkerAccess.check(file, need: .read, as: worker) == .ok)
        chmod(tmp.path("a"), 0o750)
        guard case .denied(let path, let mode, _, _, let reason) = WorkerAccess.check(file, need: .read, as: worker)
        else {
            Issue.record("expected denied")
            return
        }
        #expect(path == tmp.path("a"))
        #expect(mode == 0o750)
        #expect(reason.contains("execute"))
        #expect(
            WorkerAccess.check(tmp.path("a/missing"), need: .read, as: .current)
                == .missing(path: tmp.path("a/missing")))
    }

    @Test func agreesWithTheKernelOnRandomModes() throws {
        try #require(Self.canSwitchUser, "needs root and a www-data user")
        let worker = try #require(WorkerIdentity.resolve("www-data"))
        let tmp = try TempDirectory()
        defer { tmp.remove() }
        var generator = SystemRandomNumberGenerator()
        let owners: [(uid_t, gid_t)] = [(0, 0), (33, 0), (0, 33), (65534, 65534)]
        for round in 0..<40 {
            let dir = try tmp.makeDirectory("r\(round)/d")
            let file = try tmp.write("r\(round)/d/f", "x")
            let (dirOwner, dirGroup) = owners.randomElement(using: &generator)!
            let (fileOwner, fileGroup) = owners.randomElement(using: &generator)!
            chown(dir, dirOwner, dirGroup)
            chown(file, fileOwner, fileGroup)
            chmod(dir, mode_t.random(in: 0...0o777, using: &generator))
            chmod(file, mode_t.random(in: 0...0o777, using: &generator))
            let kernel =
                try ProcessRunner.run("runuser", ["-u", "www-data", "--", "test", "-r", file], timeout: 10).status == 0
            let judged = WorkerAccess.check(file, need: .read, as: worker) == .ok
            #expect(
                judged == kernel,
                """
                round \(round): dir \(String(dirOwner)):\(String(dirGroup)) file \
                \(String(fileOwner)):\(String(fileGroup))
                """
            )
        }
    }
}
