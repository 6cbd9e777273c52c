import Evidence
import HostAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Walks document roots and judges every entry as the worker account would meet it.
///
/// Why lstat and never open: a web root can hold sockets, FIFOs (opening one blocks), device nodes
/// and symlink loops; the walk only needs modes and ownership, which `lstat` gives without touching
/// the object. Symlinks are counted and tested for loops but never followed, so a link to `/` cannot
/// make the walk escape the root. The walk is iterative (an explicit stack), so depth cannot
/// overflow the call stack, and it keeps only problem paths, so 10⁵ files cost a few MB.
public struct PermissionWalk: Sendable {
    public var worker: WorkerIdentity
    /// Stop after this many entries (the facts then say `truncated`).
    public var entryLimit: Int
    /// Called every `progressInterval` entries with the number seen so far (for a TTY progress line).
    public var progress: (@Sendable (Int) -> Void)?
    public var progressInterval = 5_000

    public init(worker: WorkerIdentity, entryLimit: Int = 5_000_000, progress: (@Sendable (Int) -> Void)? = nil) {
        self.worker = worker
        self.entryLimit = entryLimit
        self.progress = progress
    }

    /// File names that are password files wherever they lie (Apache's and nginx's usual names).
    public static func looksLikeAuthFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasPrefix(".htpasswd") || lower.hasPrefix(".htdigest") || lower == "htpasswd"
            || lower == "htdigest"
            || lower.hasSuffix(".htpasswd") || lower.hasSuffix(".htdigest") || lower == ".htgroup"
    }

    /// Walks `roots` and checks `authFiles` (password files named in the server config, wherever they are).
    public func run(roots: [String], authFiles: [String] = []) -> PermissionFacts {
        var facts = PermissionFacts(worker: worker.name, roots: roots)
        var seen = 0
        var reportedUnreadable: Set<String> = []
        let normalizedRoots = roots.map(Self.normalize)
        let explicitAuth = Set(authFiles.map(Self.normalize))

        for (given, normalized) in zip(roots, normalizedRoots) {
            // A root that is itself a symlink (/var/www/html → /srv/site) is walked at its target.
            let root = Self.resolved(normalized)
            var st = stat()
            guard lstat(root, &st) == 0 else {
                facts.unwalkable.append("\(given): \(String(cString: strerror(errno)))")
                continue
            }
            guard st.st_mode & S_IFMT == S_IFDIR else {
                facts.unwalkable.append("\(given): not a directory")
                continue
            }
            // The path down to the root: a parent without x blocks the whole site.
            var rootBlocked = false
            if case .denied(let path, let mode, let owner, let group, let reason) = WorkerAccess.check(
                root, need: .list, as: worker)
            {
                if reportedUnreadable.insert(path).inserted {
                    facts.unreadable.append(
                        PermissionIssue(
                            path: path, kind: .directory, mode: UInt32(mode), owner: UInt32(owner),
                            group: UInt32(group),
                            proposedMode: Self.readableMode(
                                UInt32(mode), directory: true, owner: owner, group: group, worker: worker),
                            reason: reason))
                }
                rootBlocked = path != root
            }
            // (path, blocked): blocked = an ancestor already denies the worker, so only
            // world-writable modes and password files are still reported beneath it.
            var stack: [(String, Bool)] = [(root, rootBlocked)]
            var first = true
            while let (directory, blockedAbove) = stack.popLast() {
                var dst = stat()
                guard lstat(directory, &dst) == 0 else { continue }
                var blocked = blockedAbove
                if first {
                    first = false
                    facts.counts.directories += 1
                    seen += 1
                    judge(
                        directory, dst, isRoot: true, blocked: &blocked, facts: &facts, reported: &reportedUnreadable,
                        explicitAuth: explicitAuth, root: root)
                }
                guard let handle = opendir(directory) else {
                    facts.counts.unopenable += 1
                    continue
                }
                var children: [String] = []
                while let entry = readdir(handle) {
                    let name = DirectoryListing.name(of: entry)
                    if name == "." || name == ".." { continue }
                    children.append(name)
                }
                closedir(handle)
                children.sort()
                var subdirectories: [(String, Bool)] = []
                for name in children {
                    if seen >= entryLimit {
                        facts.truncated = true
                        return finish(facts)
                    }
                    let path = directory == "/" ? "/" + name : directory + "/" + name
                    var cst = stat()
                    guard lstat(path, &cst) == 0 else { continue }
                    seen += 1
                    if let progress, seen % progressInterval == 0 { progress(seen) }
                    var childBlocked = blocked
                    switch cst.st_mode & S_IFMT {
                    case S_IFDIR:
                        facts.counts.directories += 1
                        judge(
                            path, cst, isRoot: false, blocked: &childBlocked, facts: &facts,
                            reported: &reportedUnreadable, explicitAuth: explicitAuth, root: root)
                        subdirectories.append((path, childBlocked))
                    case S_IFREG:
                        facts.counts.files += 1
                        judge(
                            path, cst, isRoot: false, blocked: &childBlocked, facts: &facts,
                            reported: &reportedUnreadable, explicitAuth: explicitAuth, root: root)
                    case S_IFLNK:
                        facts.counts.symlinks += 1
                        var target = stat()
                        if stat(path, &target) != 0, errno == ELOOP { facts.symlinkLoops.append(path) }
                    default:
                        facts.counts.special += 1
                    }
                }
                // Reverse so the stack pops them in name order (stable, readable output).
                stack.append(contentsOf: subdirectories.reversed())
            }
        }
        for path in authFiles where !facts.authFilesInRoot.contains(where: { $0.path == Self.normalize(path) }) {
            judgeAuthFile(Self.normalize(path), roots: normalizedRoots, facts: &facts, reported: &reportedUnreadable)
        }
        return finish(facts)
    }

    private func finish(_ facts: PermissionFacts) -> PermissionFacts {
        if let progress { progress(facts.counts.total) }
        return facts
    }

    /// Judges one directory or regular file met during the walk.
    private func judge(
        _ path: String, _ st: stat, isRoot: Bool, blocked: inout Bool, facts: inout PermissionFacts,
        reported: inout Set<String>,
        explicitAuth: Set<String>, root: String
    ) {
        let isDirectory = st.st_mode & S_IFMT == S_IFDIR
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let isAuth = !isDirectory && (Self.looksLikeAuthFile(name) || explicitAuth.contains(path))
        let kind: PermissionIssue.Kind =
            isDirectory ? .directory : isAuth ? .authFile : name == ".htaccess" ? .htaccess : .file
        let mode = UInt32(st.st_mode & 0o7777)
        if isAuth { facts.authFilesInRoot.append(AuthFileInRoot(path: path, root: root)) }
        let readable = WorkerAccess.allows(st, bits: isDirectory ? 0o5 : 0o4, worker: worker)
        if !blocked && !readable && !reported.contains(path) {
            reported.insert(path)
            let reason: String
            if isDirectory {
                let canTraverse = WorkerAccess.allows(st, bits: 0o1, worker: worker)
                reason =
                    canTraverse
                    ? "\(worker.name) cannot list this directory (no r); DirectoryIndex and autoindex fail"
                    : "\(worker.name) cannot traverse this directory (no x): everything beneath it is blocked"
            } else if kind == .htaccess {
                reason = "\(worker.name) cannot read this .htaccess: Apache answers 403 for the whole directory"
            } else {
                reason = "\(worker.name) cannot read this file"
            }
            facts.unreadable.append(
                PermissionIssue(
                    path: path, kind: kind, mode: mode, owner: UInt32(st.st_uid), group: UInt32(st.st_gid),
                    proposedMode: Self.fixedMode(
                        mode, directory: isDirectory, kind: kind, owner: st.st_uid, group: st.st_gid, worker: worker),
                    reason: reason))
        }
        if isDirectory && !WorkerAccess.allows(st, bits: 0o1, worker: worker) { blocked = true }
        if mode & 0o002 != 0 {
            facts.worldWritable.append(
                PermissionIssue(
                    path: path, kind: kind, mode: mode, owner: UInt32(st.st_uid), group: UInt32(st.st_gid),
                    proposedMode: Self.fixedMode(
                        mode, directory: isDirectory, kind: kind, owner: st.st_uid, group: st.st_gid, worker: worker),
                    reason:
                        """
                        mode \(ModeChange.octal(mode)): any local account can \
                        \(isDirectory ? "create, replace or delete files here" : "rewrite this file")
                        """
                ))
        }
    }

    /// A password file named by the server configuration: it must be readable (else 500 on every
    /// credentialed request), not world-writable, and preferably outside every root.
    private func judgeAuthFile(
        _ path: String, roots: [String], facts: inout PermissionFacts, reported: inout Set<String>
    ) {
        var st = stat()
        guard stat(path, &st) == 0 else { return }  // a missing file is the config audit's finding
        if let root = roots.first(where: { path.hasPrefix($0 == "/" ? "/" : $0 + "/") }) {
            facts.authFilesInRoot.append(AuthFileInRoot(path: path, root: root))
        }
        let mode = UInt32(st.st_mode & 0o7777)
        let proposed = Self.fixedMode(
            mode, directory: false, kind: .authFile, owner: st.st_uid, group: st.st_gid, worker: worker)
        if case .denied(let blocking, let bmode, let owner, let group, let reason) = WorkerAccess.check(
            path, need: .read, as: worker),
            reported.insert(blocking).inserted
        {
            let isFile = blocking == path
            facts.unreadable.append(
                PermissionIssue(
                    path: blocking, kind: isFile ? .authFile : .directory, mode: UInt32(bmode), owner: UInt32(owner),
                    group: UInt32(group),
                    proposedMode: isFile
                        ? proposed
                        : Self.readableMode(UInt32(bmode), directory: true, owner: owner, group: group, worker: worker),
                    reason: reason + (isFile ? "" : " (on the way to \(path))")))
        }
        if mode & 0o002 != 0 {
            facts.worldWritable.append(
                PermissionIssue(
                    path: path, kind: .authFile, mode: mode, owner: UInt32(st.st_uid), group: UInt32(st.st_gid),
                    proposedMode: proposed,
                    reason: "mode \(ModeChange.octal(mode)): any local account can add a user to this password file"))
        }
    }

    // MARK: - Proposed modes

    /// The least change that makes the entry readable by the worker and not world-writable:
    /// 755/644 style for site files; for a password file the read bit goes only to the owner or
    /// group class the worker falls in (640 when it is in the group) and never to everyone — a
    /// password file outside the worker's group needs a `chgrp`, which a mode change cannot do.
    /// Special bits (setgid on shared dirs, sticky) are kept.
    public static func fixedMode(
        _ mode: UInt32, directory: Bool, kind: PermissionIssue.Kind, owner: uid_t, group: gid_t, worker: WorkerIdentity
    ) -> UInt32 {
        // World-writable: 777 → 755, 666 → 644 (group write goes too: it came with the same mistake).
        var result = mode & 0o002 != 0 ? mode & ~UInt32(0o022) : mode
        var st = stat()
        st.st_mode = mode_t(result) | (directory ? S_IFDIR : S_IFREG)
        st.st_uid = owner
        st.st_gid = group
        guard !WorkerAccess.allows(st, bits: directory ? 0o5 : 0o4, worker: worker) else { return result }
        if kind == .authFile {
            // Never world-readable: when the worker is neither owner nor in the group, a mode alone
            // cannot fix it; the rule then advises `chgrp` to the worker's group and 640.
            if owner == worker.uid { return result | 0o400 }
            if worker.gids.contains(group) { return result | 0o040 }
            return result
        }
        return readableMode(result, directory: directory, owner: owner, group: group, worker: worker)
    }

    /// 755 for directories and 644 for files, as a floor: bits already granted stay (a 775 group
    /// directory keeps g+w), write for others never comes back.
    static func readableMode(_ mode: UInt32, directory: Bool, owner: uid_t, group: gid_t, worker: WorkerIdentity)
        -> UInt32
    {
        (mode | (directory ? 0o755 : 0o644)) & ~UInt32(0o002)
    }

    /// The canonical path (symlinks resolved), or the path itself when it cannot be resolved.
    static func resolved(_ path: String) -> String {
        guard let pointer = realpath(path, nil) else { return path }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// Absolute, without a trailing slash or `//`: paths are compared textually.
    static func normalize(_ path: String) -> String { WorkerAccess.absolutePath(path) }
}
