import CredentialModel
import Credentials
import Evidence
import Foundation
import HostAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns the lead's `WorkerAccess` results and the files themselves into evidence values.
enum AccessFacts {
    static func access(_ path: String, need: WorkerAccess.Need, worker: WorkerIdentity) -> PathAccess {
        switch WorkerAccess.check(path, need: need, as: worker) {
        case .ok: return .ok
        case .missing(let p): return .missing(path: p)
        case .denied(let p, let mode, let owner, let group, let reason):
            return .denied(path: p, mode: UInt32(mode), owner: userName(owner), group: groupName(group), reason: reason)
        }
    }

    static func userName(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid) else { return String(uid) }
        return String(cString: pw.pointee.pw_name)
    }

    static func groupName(_ gid: gid_t) -> String {
        guard let gr = getgrgid(gid) else { return String(gid) }
        return String(cString: gr.pointee.gr_name)
    }

    /// Password files can hold 10⁶ users; beyond this the file is not parsed (it is no password file).
    static let passwordFileLimit = 256 << 20

    /// The user file parsed, when why401 itself can read it (it usually runs as root).
    static func parsePasswordFile(_ path: String) -> PasswordFile? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_size <= passwordFileLimit else {
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return PasswordFile.parse([UInt8](data))
    }

    static func userFile(
        _ path: String, directive: String, at: ConfigLocation, worker: WorkerIdentity, docroots: [String],
        cache: inout [String: UserFileFact]
    ) -> UserFileFact {
        if var cached = cache[path] {
            cached.at = at
            cached.directive = directive
            return cached
        }
        let fact: UserFileFact
        if path.contains("$") {
            // nginx resolves `$variables` per request; Apache left an undefined `${VAR}` as written.
            fact = UserFileFact(
                path: path, directive: directive, at: at,
                access: .unknown(reason: "the path contains a variable, resolved only at run time"))
        } else {
            let access = access(path, need: .read, worker: worker)
            let inside = docroots.first { ConfigFile.isInside(path, $0) }
            fact = UserFileFact(
                path: path, directive: directive, at: at, access: access, insideDocroot: inside,
                parsed: parsePasswordFile(path))
        }
        cache[path] = fact
        return fact
    }

    /// The `.htaccess` files under `docroot` that hold auth directives, each with the `AllowOverride`
    /// that `override` says applies to it; a note when the search stopped at its limit.
    static func htaccessWithAuth(
        under docroot: String, notes: inout [String], override: (_ path: String) -> OverrideFact
    ) -> [HtaccessFact] {
        let (files, truncated) = findFiles(named: ".htaccess", under: docroot)
        if truncated { notes.append("\(docroot): more than 200000 entries, .htaccess search stopped early") }
        return files.compactMap { file in
            guard let text = try? ConfigFile.read(file), let parsed = try? ApacheConfigParser.parse(text, file: file)
            else { return nil }
            let auth = authDirectives(parsed)
            guard !auth.isEmpty else { return nil }
            return HtaccessFact(path: file, docroot: docroot, authDirectives: auth, override: override(file))
        }
    }

    /// `.htaccess` files (or `name`) under `root`, without following symlinks, bounded so a huge
    /// tree cannot stall the audit.
    static func findFiles(named name: String, under root: String, limit: Int = 200_000) -> (
        files: [String], truncated: Bool
    ) {
        var found: [String] = []
        var queue = [root]
        var visited = 0
        var truncated = false
        while let dir = queue.popLast() {
            for entry in ConfigFile.list(dir) {
                visited += 1
                if visited > limit {
                    truncated = true
                    return (found.sorted(), truncated)
                }
                let path = dir == "/" ? "/" + entry : dir + "/" + entry
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    queue.append(path)
                } else if entry == name, (st.st_mode & S_IFMT) == S_IFREG {
                    found.append(path)
                }
            }
        }
        return (found.sorted(), truncated)
    }

    /// Directives in `.htaccess` that need `AllowOverride AuthConfig`.
    static let authConfigDirectives: Set<String> = [
        "authtype", "authname", "authuserfile", "authgroupfile", "authbasicprovider", "authdigestprovider", "require",
        "authmerging", "authbasicauthoritative", "authdigestdomain", "authdigestalgorithm", "authdigestnoncelifetime",
        "authdigestqop", "authformprovider", "satisfy", "cgipassauth", "authbasicfake", "authzuserauthoritative",
    ]

    /// Auth directives of a parsed `.htaccess`, including those inside `<Limit>`/`<RequireAny>`/`<Files>`.
    static func authDirectives(_ directives: [ConfigDirective]) -> [ConfigSetting] {
        var out: [ConfigSetting] = []
        for d in directives {
            if let children = d.children {
                out += authDirectives(children)
            } else if authConfigDirectives.contains(d.key), d.key != "cgipassauth" {
                out.append(ConfigSetting(d.text, at: d.at))
            }
        }
        return out
    }

    /// The worker named in the configuration, resolved; falls back to the user running why401.
    static func worker(named name: String?, source: String, override: WorkerIdentity?, fallbackSource: String) -> (
        WorkerIdentity, String
    ) {
        if let override { return (override, "--as \(override.name)") }
        if let name, !name.contains("${"), let identity = WorkerIdentity.resolve(name) { return (identity, source) }
        if let name, !name.contains("${") {
            return (
                WorkerIdentity.current,
                "\(source) names \(name), which does not exist here; checked as \(WorkerIdentity.current.name) instead"
            )
        }
        // Servers drop root for their workers: without a usable name, judge as the usual account.
        let current = WorkerIdentity.current
        if current.uid == 0, let usual = WorkerIdentity.resolve("www-data") ?? WorkerIdentity.resolve("nobody") {
            return (usual, fallbackSource + "; workers never run as root, checked as \(usual.name) (use --as USER)")
        }
        return (current, fallbackSource + "; checked as \(current.name) (use --as USER)")
    }
}
