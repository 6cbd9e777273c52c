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

/// The change journal and `--apply`/`--undo` of mode changes, on real files.
@Suite(.serialized) struct JournalTests {
    @Test func applyChangesExactlyTheProposedModesAndUndoRestoresThem() throws {
        let dir = try TempDirectory(prefix: "why401-journal")
        defer { dir.remove() }
        let root = try PermissionWalkTests.makeTree(dir)
        let before = PermissionWalkTests.snapshot(root)
        let facts = PermissionWalk(worker: try PermissionWalkTests.worker).run(roots: [root])
        let changes = facts.changes
        #expect(
            Set(changes.map(\.path)) == [
                root + "/secret.txt", root + "/locked", root + "/private/.htaccess", root + "/open",
                root + "/shared.txt",
            ])

        let journal = dir.path("journal.jsonl")
        // Through a guard, as the CLI does (its lock wraps each change).
        let outcome = try PermissionApply.apply(
            changes, journalPath: journal, guard: ChangeGuard(journalPath: journal, report: { _ in }))
        #expect(outcome.applied.count == changes.count)
        #expect(outcome.skipped.isEmpty)
        #expect(outcome.applied == changes)
        let after = PermissionWalkTests.snapshot(root)
        var expected = before
        for change in changes { expected[change.path] = change.to }
        #expect(after == expected)
        #expect(ChangeJournal.exists(at: journal))
        let recorded = try ChangeJournal.read(journal)
        #expect(recorded.command == "server --apply")
        #expect(recorded.changes.count == changes.count)

        // The walk now finds nothing left to fix for the worker.
        let again = PermissionWalk(worker: try PermissionWalkTests.worker).run(roots: [root])
        #expect(again.unreadable.isEmpty)
        #expect(again.worldWritable.isEmpty)

        // A second --apply refuses while the journal is there.
        #expect(throws: ChangeJournal.Failure.self) {
            try PermissionApply.apply(changes, journalPath: journal, guard: nil)
        }

        let steps = try ChangeJournal.undo(journal)
        #expect(steps.allSatisfy { $0.result == .restored })
        #expect(PermissionWalkTests.snapshot(root) == before)
        #expect(!ChangeJournal.exists(at: journal))
    }

    @Test func undoLeavesAModeChangedSinceAndSkipsChangesNeverMade() throws {
        let dir = try TempDirectory(prefix: "why401-journal")
        defer { dir.remove() }
        let a = try dir.write("file-a", "a", mode: 0o600)
        let b = try dir.write("file-b", "b", mode: 0o600)
        let path = dir.path("j.jsonl")
        let journal = try ChangeJournal.create(at: path, command: "test")
        try journal.record([.chmod(path: a, from: 0o600, to: 0o644), .chmod(path: b, from: 0o600, to: 0o644)])
        chmod(a, 0o644)  // made
        // b: crash before its chmod — still 0600
        let c = try dir.write("file-c", "c", mode: 0o600)
        try journal.record([.chmod(path: c, from: 0o600, to: 0o644)])
        chmod(c, 0o640)  // someone else changed it afterwards
        let steps = try ChangeJournal.undo(path)
        #expect(
            steps.map(\.result) == [
                .changedSince("\(c) is now 0640, not 0644: left as it is"), .alreadyOriginal, .restored,
            ])
        #expect(Self.mode(a) == 0o600)
        #expect(Self.mode(b) == 0o600)
        #expect(Self.mode(c) == 0o640)
        #expect(!ChangeJournal.exists(at: path))
    }

    @Test func tornLastLineIsIgnoredAndGarbageIsRefused() throws {
        let dir = try TempDirectory(prefix: "why401-journal")
        defer { dir.remove() }
        let a = try dir.write("file-a", "a", mode: 0o644)
        let header = #"{"command":"server --apply","why401_journal":1}"#
        let path = try dir.write(
            "torn.jsonl",
            header + "\n" + #"{"from":"0600","op":"chmod","path":"\#(a)","to":"0644"}"# + "\n" + #"{"op":"chm"#)
        let read = try ChangeJournal.read(path)
        #expect(read.changes == [.chmod(path: a, from: 0o600, to: 0o644)])
        try ChangeJournal.undo(path)
        #expect(Self.mode(a) == 0o600)

        let garbage = try dir.write("garbage.jsonl", Data([0x00, 0xFF, 0x13, 0x0A, 0x7B]))
        #expect(throws: ChangeJournal.Failure.self) { try ChangeJournal.read(garbage) }
        #expect(throws: ChangeJournal.Failure.self) { try ChangeJournal.undo(dir.path("none.jsonl")) }
    }

    /// A signal can land after the journal file is created and before its header is on disk: no
    /// change was made then, so undo has nothing to do and removes the file (seen under load).
    @Test func emptyOrTornHeaderMeansNothingWasChanged() throws {
        let dir = try TempDirectory(prefix: "why401-journal")
        defer { dir.remove() }
        for (name, text) in [("empty.jsonl", ""), ("torn.jsonl", #"{"command":"server --ap"#)] {
            let path = try dir.write(name, text)
            #expect(try ChangeJournal.read(path).changes.isEmpty)
            #expect(try ChangeJournal.undo(path).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: path))
        }
        let notJournal = try dir.write("other.txt", "hello")
        #expect(throws: ChangeJournal.Failure.self) { try ChangeJournal.read(notJournal) }
    }

    /// The header is synced in a temporary file and linked into place: the journal at its path always
    /// starts with a whole header line, a second create is refused without touching it, and no
    /// temporary file is left (not even a stale one of the same pid).
    @Test func createIsAtomicAndRefusesAnExistingJournal() throws {
        let dir = try TempDirectory(prefix: "why401-journal")
        defer { dir.remove() }
        let path = dir.path("j.jsonl")
        try dir.write("j.jsonl.tmp-\(getpid())", "stale")
        let journal = try ChangeJournal.create(at: path, command: "server --apply")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("{") && text.hasSuffix("\n") && text.contains(#""why401_journal":1"#))
        #expect(try ChangeJournal.read(path).command == "server --apply")
        do {
            _ = try ChangeJournal.create(at: path, command: "again")
            Issue.record("a second journal was created over the first")
        } catch let failure as ChangeJournal.Failure {
            #expect(failure.description.contains("run --undo first"))
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["j.jsonl"])
        // the first journal is still writable after the refused second create
        try journal.record([.chmod(path: path, from: 0o600, to: 0o600)])
        #expect(try ChangeJournal.read(path).changes.count == 1)
    }

    @Test func renameJournalRoundTrip() throws {
        let dir = try TempDirectory(prefix: "why401-journal")
        defer { dir.remove() }
        let on = try dir.makeDirectory("plugin")
        let off = on + ".why401-off"
        let path = dir.path("j.jsonl")
        let journal = try ChangeJournal.create(at: path, command: "wordpress --bisect")
        try journal.record([.rename(from: on, to: off)])
        #expect(rename(on, off) == 0)
        try journal.record([.rename(from: on, to: off)])  // a second toggle of the same folder, never made
        let steps = try ChangeJournal.undo(path)
        #expect(steps.map(\.result) == [.restored, .alreadyOriginal])
        #expect(access(on, F_OK) == 0 && access(off, F_OK) != 0)
    }

    @Test func defaultPathHonoursExplicitAndEnvironment() {
        #expect(ChangeJournal.defaultPath(explicit: "/x/j") == "/x/j")
        let fallback = ChangeJournal.defaultPath()
        #expect(fallback.hasSuffix("journal.jsonl"))
    }

    static func mode(_ path: String) -> UInt32 {
        var st = stat()
        lstat(path, &st)
        return UInt32(st.st_mode & 0o7777)
    }
}

/// The permissions walk against a real Apache whose workers run as www-data: before `--apply` the
/// unreadable file is a 403, after it a 200; `--undo` brings the 403 back.
@Suite(.serialized) struct PermissionApacheTests {
    @Test func apacheServesTheFileOnlyAfterApply() async throws {
        try RealServers.requireApache()
        try #require(geteuid() == 0, "workers run as www-data only when started as root (CI runs as root)")
        try await withApache(config: "") { apache in
            let root = apache.docroot
            let file = root + "/secret.html"
            #expect(
                FileManager.default.createFile(
                    atPath: file, contents: Data("secret page\n".utf8), attributes: [.posixPermissions: 0o600]))
            chmod(file, 0o600)
            #expect(try HTTPProbe.get(apache.url("/secret.html")).status == 403)

            let facts = PermissionWalk(worker: try PermissionWalkTests.worker).run(roots: [root])
            #expect(facts.unreadable.map(\.path) == [file])
            let journal = apache.directory.path("journal.jsonl")
            _ = try PermissionApply.apply(facts.changes, journalPath: journal, guard: nil)
            let after = try HTTPProbe.get(apache.url("/secret.html"))
            #expect(after.status == 200)
            #expect(after.bodyText == "secret page\n")

            try ChangeJournal.undo(journal)
            #expect(try HTTPProbe.get(apache.url("/secret.html")).status == 403)
        }
    }
}
