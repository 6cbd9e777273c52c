#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The account a web server's workers run as (`User` in Apache, `user` in nginx, `--as`), resolved
/// from the system's user database. Access checks are made with its uid and every group it is in,
/// because the server reads files as that account, not as the person running why401 (often root).
public struct WorkerIdentity: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var uid: uid_t
    /// Primary group first, then supplementary groups.
    public var gids: [gid_t]

    public init(name: String, uid: uid_t, gids: [gid_t]) {
        self.name = name
        self.uid = uid
        self.gids = gids
    }

    public var description: String { name }

    /// Looks a user up by name (or by `#uid`, Apache's numeric form); nil when there is no such user.
    public static func resolve(_ name: String) -> WorkerIdentity? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        if name.hasPrefix("#"), let uid = uid_t(name.dropFirst()) {
            guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil else {
                return WorkerIdentity(name: name, uid: uid, gids: [])
            }
        } else {
            guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        }
        let userName = String(cString: entry.pw_name)
        let primary = entry.pw_gid
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        #if canImport(Glibc)
            if getgrouplist(userName, primary, &groups, &count) == -1 {
                groups = [gid_t](repeating: 0, count: Int(count))
                _ = getgrouplist(userName, primary, &groups, &count)
            }
        #else
            var signedGroups = [Int32](repeating: 0, count: Int(count))
            _ = getgrouplist(userName, Int32(bitPattern: primary), &signedGroups, &count)
            groups = signedGroups.map { gid_t(bitPattern: $0) }
        #endif
        var gids = [primary]
        for gid in groups.prefix(Int(max(count, 0))) where !gids.contains(gid) { gids.append(gid) }
        return WorkerIdentity(name: userName, uid: entry.pw_uid, gids: gids)
    }

    /// The user running why401.
    public static var current: WorkerIdentity {
        resolve("#\(geteuid())") ?? WorkerIdentity(name: "#\(geteuid())", uid: geteuid(), gids: [getegid()])
    }
}

/// Whether a worker can reach and read a path, judged from mode bits and ownership the way the
/// kernel does (owner class, else group class, else other; root bypasses all but needs one x bit on
/// files it executes — not a concern for reads). ACLs and SELinux labels are not evaluated.
public enum WorkerAccess {
    public enum Need: Sendable {
        /// Read a regular file (a password file, `.htaccess`, a page).
        case read
        /// List and traverse a directory (r and x).
        case list
        /// Traverse a directory (x) only.
        case traverse
    }

    public enum Result: Sendable, Equatable {
        case ok
        /// The path (or a parent) does not exist.
        case missing(path: String)
        /// `path` blocks the worker: a parent directory without x for it, or the target without the
        /// permission `need`. `mode` is the octal mode of `path`, `owner`/`group` its numeric ids.
        case denied(path: String, mode: mode_t, owner: uid_t, group: gid_t, reason: String)
    }

    /// Walks from `/` down to `path`, checking x on every directory on the way, then `need` on the
    /// target itself. Symlinks are followed as the kernel follows them (stat, not lstat).
    public static func check(_ path: String, need: Need, as worker: WorkerIdentity) -> Result {
        let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        let parts = absolute.split(separator: "/", omittingEmptySubsequences: true)
        var prefix = ""
        for (index, part) in parts.enumerated() {
            let parent = prefix.isEmpty ? "/" : prefix
            var st = stat()
            guard stat(parent, &st) == 0 else { return .missing(path: parent) }
            if !allows(st, bits: 0o1, worker: worker) {
                return .denied(
                    path: parent, mode: st.st_mode & 0o7777, owner: st.st_uid, group: st.st_gid,
                    reason: "no execute (search) permission for \(worker.name) on this directory")
            }
            prefix += "/" + part
            if index == parts.count - 1 { break }
        }
        let target = prefix.isEmpty ? "/" : prefix
        var st = stat()
        guard stat(target, &st) == 0 else { return .missing(path: target) }
        let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
        switch need {
        case .read where !allows(st, bits: 0o4, worker: worker):
            return .denied(
                path: target, mode: st.st_mode & 0o7777, owner: st.st_uid, group: st.st_gid,
                reason: "no read permission for \(worker.name)")
        case .list where !allows(st, bits: isDirectory ? 0o5 : 0o4, worker: worker):
            return .denied(
                path: target, mode: st.st_mode & 0o7777, owner: st.st_uid, group: st.st_gid,
                reason: "no read and execute permission for \(worker.name) on this directory")
        case .traverse where !allows(st, bits: 0o1, worker: worker):
            return .denied(
                path: target, mode: st.st_mode & 0o7777, owner: st.st_uid, group: st.st_gid,
                reason: "no execute (search) permission for \(worker.name) on this directory")
        default:
            return .ok
        }
    }

    /// `bits` is a combination of 4 (r), 2 (w), 1 (x) tested in the class that applies to the worker.
    public static func allows(_ st: stat, bits: mode_t, worker: WorkerIdentity) -> Bool {
        if worker.uid == 0 {
            // root reads and traverses anything (DAC override); x on files needs one x bit anywhere.
            let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
            return isDirectory || bits & 0o1 == 0 || st.st_mode & 0o111 != 0
        }
        let mode = st.st_mode
        let granted: mode_t
        if st.st_uid == worker.uid {
            granted = (mode >> 6) & 0o7
        } else if worker.gids.contains(st.st_gid) {
            granted = (mode >> 3) & 0o7
        } else {
            granted = mode & 0o7
        }
        return granted & bits == bits
    }

    /// Absolute, without a trailing slash, `.` or `..` parts: the walk compares paths textually, and a
    /// bisect's journal must still name the folders when `--undo` runs from another directory.
    public static func absolutePath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") where part != "." {
            if part == ".." { _ = parts.popLast() } else { parts.append(part) }
        }
        return "/" + parts.joined(separator: "/")
    }

    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "" }
        return String(cString: buffer)
    }
}
