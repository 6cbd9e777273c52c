import Evidence
import Foundation
import HostAccess

/// The httpd version `<IfVersion>` is judged against (mod_version: missing parts are 0).
public struct ApacheVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int = 0, _ patch: Int = 0) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// `2`, `2.4`, `2.4.71`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count),
            parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) })
        else { return nil }
        let n = parts.compactMap { Int($0) }
        guard n.count == parts.count else { return nil }
        self.init(n[0], n.count > 1 ? n[1] : 0, n.count > 2 ? n[2] : 0)
    }

    public var description: String { "\(major).\(minor).\(patch)" }
    public static func < (a: Self, b: Self) -> Bool { (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }

    /// What `apache2 -v` / `httpd -v` says here (`Server version: Apache/2.4.71 (Debian)`), if either runs.
    public static func installed() -> (version: ApacheVersion, binary: String)? {
        for binary in ["/usr/sbin/apache2", "/usr/sbin/httpd", "/usr/local/apache2/bin/httpd", "/usr/bin/httpd"]
        where FileManager.default.isExecutableFile(atPath: binary) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["-v"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let text = String(decoding: data, as: UTF8.self)
            guard let range = text.range(of: "Apache/") else { continue }
            let number = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
            if let version = ApacheVersion(String(number)) { return (version, binary) }
        }
        return nil
    }

    /// `<IfVersion [[!]op] version>`: `=`/`==`, `<`, `<=`, `>`, `>=`, `~` (regex), `/regex/`.
    public func satisfies(_ args: [String]) throws -> Bool {
        var op = args.count >= 2 ? args[0] : "="
        let target = args.count >= 2 ? args[1] : (args.first ?? "")
        var negate = false
        if op.hasPrefix("!") {
            negate = true
            op.removeFirst()
        }
        let result: Bool
        if op == "~"
            || ((op == "=" || op == "==") && target.hasPrefix("/") && target.hasSuffix("/") && target.count >= 2)
        {
            let pattern = op == "~" ? target : String(target.dropFirst().dropLast())
            guard let regex = try? NSRegularExpression(pattern: pattern) else {
                throw ConfigError("Regex could not be compiled: \(pattern)")
            }
            let text = description
            result = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        } else {
            guard let v = ApacheVersion(target) else {
                throw ConfigError(
                    """
                    Version appears to be invalid. It must have the format major[.minor[.patch]] where major, \
                    minor and patch are numbers.
                    """
                )
            }
            switch op {
            case "=", "==": result = self == v
            case "<": result = self < v
            case "<=": result = self <= v
            case ">": result = self > v
            case ">=": result = self >= v
            default: throw ConfigError("unknown operator '\(op)' in <IfVersion>")
            }
        }
        return result != negate
    }
}

/// What httpd checks when it runs a directive: whether its module is loaded, and whether it may
/// appear where it is written. Only directives listed here are checked; anything else is accepted,
/// so a directive this table does not know never makes a valid configuration fail.
enum ApacheDirectives {
    /// The module (`LoadModule` name) that provides a directive, for the common modules.
    static let module: [String: String] = {
        var m: [String: String] = [:]
        func add(_ module: String, _ names: [String]) { for n in names { m[n] = module } }
        add(
            "rewrite_module",
            ["rewriteengine", "rewriterule", "rewritecond", "rewritebase", "rewriteoptions", "rewritemap"])
        add("setenvif_module", ["setenvif", "setenvifnocase", "setenvifexpr", "browsermatch", "browsermatchnocase"])
        add("headers_module", ["header", "requestheader"])
        add("access_compat_module", ["order", "allow", "deny", "satisfy"])
        add("authn_core_module", ["authtype", "authname", "<authnprovideralias"])
        add("authn_file_module", ["authuserfile"])
        add(
            "auth_basic_module",
            ["authbasicprovider", "authbasicauthoritative", "authbasicfake", "authbasicusedigestalgorithm"])
        add(
            "auth_digest_module",
            [
                "authdigestprovider", "authdigestdomain", "authdigestqop", "authdigestnoncelifetime",
                "authdigestalgorithm", "authdigestshmemsize",
            ])
        add(
            "authz_core_module",
            [
                "require", "authmerging", "authzsendforbiddenonfailure", "<requireany", "<requireall", "<requirenone",
                "<authzprovideralias",
            ])
        add("authz_groupfile_module", ["authgroupfile"])
        add(
            "alias_module",
            [
                "alias", "aliasmatch", "scriptalias", "scriptaliasmatch", "redirect", "redirectmatch",
                "redirectpermanent", "redirecttemp",
            ])
        add(
            "proxy_module",
            [
                "proxypass", "proxypassmatch", "proxypassreverse", "proxyrequests", "proxypreservehost", "proxyset",
                "proxytimeout", "<proxy", "<proxymatch",
            ])
        add("dir_module", ["directoryindex", "directoryslash", "fallbackresource"])
        add(
            "mime_module",
            [
                "addhandler", "addtype", "removehandler", "addcharset", "addencoding", "addlanguage", "typesconfig",
                "addoutputfilter", "removetype",
            ])
        add("env_module", ["setenv", "unsetenv", "passenv"])
        add("macro_module", ["use", "undefmacro", "<macro"])
        add("expires_module", ["expiresactive", "expiresbytype", "expiresdefault"])
        add(
            "ssl_module",
            [
                "sslengine", "sslcertificatefile", "sslcertificatekeyfile", "sslprotocol", "sslciphersuite",
                "ssloptions", "sslrequiressl",
            ])
        add("cgid_module", ["scriptsock"])
        return m
    }()

    /// Sections that only the server or a virtual host may hold.
    static let serverSections: Set<String> = [
        "directory", "directorymatch", "location", "locationmatch", "proxy", "proxymatch", "virtualhost",
    ]
    /// Sections that make a per-directory context.
    static let directorySections: Set<String> = [
        "directory", "directorymatch", "location", "locationmatch", "files", "filesmatch", "proxy", "proxymatch", "if",
        "elseif", "else", "limit", "limitexcept",
    ]
    /// Directives httpd accepts only in a per-directory context (`OR_AUTHCFG`, `OR_LIMIT`, `ACCESS_CONF`):
    /// at the server or virtual-host level it refuses them ("AuthType not allowed here").
    static let directoryOnly: Set<String> = [
        "authtype", "authname", "authuserfile", "authgroupfile", "authbasicprovider", "authdigestprovider",
        "authbasicauthoritative",
        "authbasicfake", "authdigestdomain", "authdigestqop", "authdigestnoncelifetime", "authdigestalgorithm",
        "require", "authmerging",
        "satisfy", "order", "allow", "deny", "cgipassauth", "allowoverride", "allowoverridelist",
    ]
    /// Directives only the main server may hold (`GLOBAL_ONLY`).
    static let globalOnly: Set<String> = [
        "listen", "user", "group", "serverroot", "pidfile", "mutex", "defaultruntimedir", "startservers",
        "minspareservers",
        "maxspareservers", "maxrequestworkers", "serverlimit", "threadsperchild", "maxconnectionsperchild",
        "listenbacklog", "loadmodule",
    ]
    /// Directives of the server or a virtual host, refused inside `<Directory>`, `<Location>`, `<Files>`….
    static let serverOrVhost: Set<String> = [
        "documentroot", "servername", "serveralias", "serveradmin", "errorlog", "customlog", "transferlog",
        "accessfilename",
        "scriptaliasmatch", "aliasmatch", "proxyrequests", "sslengine", "sslcertificatefile", "sslcertificatekeyfile",
        "rewritemap",
    ]
    /// Accepted in a `<Location>` with one argument (the target), refused with two inside sections.
    static let aliasLike: Set<String> = ["alias", "scriptalias"]

    /// Why httpd would refuse `name` (lower-cased; sections as `<name`) inside `enclosing`, or nil.
    static func contextError(_ name: String, display: String, in enclosing: [String], argCount: Int) -> String? {
        let isSection = name.hasPrefix("<")
        let bare = isSection ? String(name.dropFirst()) : name
        let innermostDirectory = enclosing.last { directorySections.contains($0) }
        let inVhost = enclosing.contains("virtualhost")
        func inside(_ section: String) -> String { "<\(pretty(section))" }
        if isSection {
            if bare == "virtualhost", enclosing.last == "virtualhost" || (inVhost && innermostDirectory == nil) {
                return "<VirtualHost> cannot occur within <VirtualHost> section"
            }
            if serverSections.contains(bare), let section = innermostDirectory {
                return "\(display) not allowed in \(inside(section))> context"
            }
            if bare == "files" || bare == "filesmatch",
                let section = enclosing.last(where: { $0 == "location" || $0 == "locationmatch" })
            {
                return "\(display)> cannot occur within \(inside(section))> section"
            }
            if bare == "limit" || bare == "limitexcept", innermostDirectory == nil {
                return inVhost ? "\(display) not allowed in <VirtualHost> context" : "\(display) not allowed here"
            }
            return nil
        }
        if directoryOnly.contains(name), innermostDirectory == nil {
            return inVhost ? "\(display) not allowed in <VirtualHost> context" : "\(display) not allowed here"
        }
        if globalOnly.contains(name) {
            if let section = innermostDirectory { return "\(display) not allowed in \(inside(section))> context" }
            if inVhost { return "\(display) cannot occur within <VirtualHost> section" }
        }
        if serverOrVhost.contains(name), let section = innermostDirectory {
            return "\(display) not allowed in \(inside(section))> context"
        }
        if aliasLike.contains(name), let section = innermostDirectory,
            argCount >= 2 || !(section == "location" || section == "locationmatch")
        {
            return "\(display) cannot occur within directory context"
        }
        return nil
    }

    static let prettyNames: [String: String] = [
        "directory": "Directory", "directorymatch": "DirectoryMatch", "location": "Location",
        "locationmatch": "LocationMatch",
        "files": "Files", "filesmatch": "FilesMatch", "proxy": "Proxy", "proxymatch": "ProxyMatch", "if": "If",
        "elseif": "ElseIf",
        "else": "Else", "limit": "Limit", "limitexcept": "LimitExcept", "virtualhost": "VirtualHost",
    ]
    static func pretty(_ key: String) -> String { prettyNames[key] ?? key }
}
