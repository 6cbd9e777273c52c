import Diagnosis
import Evidence
import HostAccess
import Report
import ServerConfig

/// `why401 server`: the admin-side audit of Apache and/or nginx configuration, then the permissions
/// walk of the document roots.
public struct ServerAuditRequest: Sendable {
    /// Extra web roots (`--root`): walked, and searched for `.htaccess` like the configured ones.
    public var roots: [String]
    /// Apache main file or the directory holding it; nil with `nginx` nil too: the package default.
    public var apache: String?
    /// nginx main file or the directory holding it.
    public var nginx: String?
    /// Judge access as this account instead of the configured worker (`--as`).
    public var worker: String?
    /// The httpd version `<IfVersion>` is judged against (`2.4.62`); nil: the installed one.
    public var apacheVersion: String?
    /// Walk the document roots for permission problems (`--no-walk` turns it off).
    public var walk: Bool
    /// Make the walk's proposed mode changes (`--apply`), through `journal`.
    public var apply: Bool
    public var journal: String?
    public var console: AdminConsole
    /// Where the packages put their configuration, searched when neither `apache` nor `nginx` is given.
    public var defaultApacheDirectory: String
    public var defaultNginxDirectory: String

    public init(
        roots: [String] = [], apache: String? = nil, nginx: String? = nil, worker: String? = nil,
        apacheVersion: String? = nil, walk: Bool = true, apply: Bool = false, journal: String? = nil,
        console: AdminConsole = .silent, defaultApacheDirectory: String = "/etc/apache2",
        defaultNginxDirectory: String = "/etc/nginx"
    ) {
        self.roots = roots
        self.apache = apache
        self.nginx = nginx
        self.worker = worker
        self.apacheVersion = apacheVersion
        self.walk = walk
        self.apply = apply
        self.journal = journal
        self.console = console
        self.defaultApacheDirectory = defaultApacheDirectory
        self.defaultNginxDirectory = defaultNginxDirectory
    }
}

extension UseCase {
    static let apacheMainFiles = ["apache2.conf", "httpd.conf", "conf/httpd.conf"]
    static let nginxMainFiles = ["nginx.conf"]

    /// Reads the configuration(s), checks every protected area's user file as the worker, judges
    /// `.htaccess` files under every document root, then (unless `walk` is off) walks the roots.
    /// Throws `AuditFailure.usage` for an unknown worker or version, `.incomplete` when no
    /// configuration can be read or one has an error (`FILE:LINE: reason`).
    public static func auditServer(_ request: ServerAuditRequest) throws -> ServerAuditResult {
        var override: WorkerIdentity?
        if let name = request.worker {
            guard let identity = WorkerIdentity.resolve(name) else {
                throw AuditFailure.usage("--as \(name): no such user")
            }
            override = identity
        }
        var version: ApacheVersion?
        if let text = request.apacheVersion {
            guard let v = ApacheVersion(text) else {
                throw AuditFailure.usage("--apache-version \(text): expected MAJOR[.MINOR[.PATCH]], e.g. 2.4.62")
            }
            version = v
        }
        let explicit = request.apache != nil || request.nginx != nil
        var located: [String] = []
        var results: [ConfigAudit.Result] = []
        if let path = try mainFile(
            request.apache, defaultDir: explicit ? nil : request.defaultApacheDirectory, candidates: apacheMainFiles,
            flag: "--apache", server: "Apache", located: &located)
        {
            results.append(
                try configAudit {
                    try ConfigAudit.apache(path, worker: override, extraRoots: request.roots, version: version)
                })
        }
        if let path = try mainFile(
            request.nginx, defaultDir: explicit ? nil : request.defaultNginxDirectory, candidates: nginxMainFiles,
            flag: "--nginx", server: "nginx", located: &located)
        {
            results.append(try configAudit { try ConfigAudit.nginx(path, worker: override) })
        }

        var configurations = results.map(\.facts)
        let worker = override ?? results.first?.worker ?? WorkerIdentity.resolve("www-data") ?? WorkerIdentity.current
        if results.isEmpty {
            guard !request.roots.isEmpty else {
                throw AuditFailure.incomplete(
                    "no Apache (\(request.defaultApacheDirectory)) or nginx (\(request.defaultNginxDirectory)) "
                        + "configuration found: give --apache FILE, --nginx FILE or --root DIR")
            }
            located.append(
                "no Apache or nginx configuration read: .htaccess files under --root are judged assuming "
                    + "Debian's default AllowOverride None")
            configurations.append(ConfigAudit.htaccessOnly(roots: request.roots, worker: worker))
        }

        var findings = configurations.flatMap { ConfigRules.run($0) }
        var permissions: PermissionResult?
        if request.walk {
            var roots: [String] = []
            let candidates = configurations.flatMap { $0.docroots.map(\.value) } + request.roots
            for root in candidates where !roots.contains(root) && ConfigAudit.isDirectory(root) { roots.append(root) }
            let authFiles = Set(configurations.flatMap { $0.areas.compactMap { $0.userFile?.path } }).sorted()
            if !roots.isEmpty {
                let fix = PermissionFixRequest(
                    roots: roots, configuredAuthFiles: authFiles, apply: request.apply, journal: request.journal,
                    console: request.console)
                let result = try fixPermissions(fix, as: worker)
                findings += result.findings
                permissions = result
            }
        }
        let subject = configurations.map { facts in
            facts.server == .apache && facts.mainConfig == "(none)"
                ? "--root " + request.roots.joined(separator: " ") : "\(facts.server.rawValue) \(facts.mainConfig)"
        }.joined(separator: ", ")
        return ServerAuditResult(
            subject: subject, located: located, configurations: configurations, worker: worker.name,
            permissions: permissions, findings: findings.ranked())
    }

    /// A configuration error is the audit's "could not complete": one line, `FILE:LINE: reason`.
    static func configAudit(_ body: () throws -> ConfigAudit.Result) throws -> ConfigAudit.Result {
        do { return try body() } catch let error as ConfigError {
            throw AuditFailure.incomplete(error.description)
        }
    }

    /// The main file for `--apache`/`--nginx` (a file, or a directory holding one), or the package
    /// default when no flag was given (nil when that is absent, and said so in `located`).
    static func mainFile(
        _ given: String?, defaultDir: String?, candidates: [String], flag: String, server: String,
        located: inout [String]
    ) throws -> String? {
        if let given {
            if ConfigAudit.isDirectory(given) {
                guard let file = ConfigAudit.mainFile(in: given, candidates: candidates) else {
                    throw AuditFailure.incomplete(
                        "\(flag) \(given): no \(candidates.joined(separator: " or ")) in this directory")
                }
                located.append("\(server): \(file)")
                return file
            }
            guard ConfigAudit.exists(given) else {
                throw AuditFailure.incomplete("\(flag) \(given): no such file or directory")
            }
            located.append("\(server): \(given)")
            return given
        }
        guard let defaultDir else { return nil }
        guard ConfigAudit.isDirectory(defaultDir),
            let file = ConfigAudit.mainFile(in: defaultDir, candidates: candidates)
        else {
            located.append("\(server): not found (\(defaultDir))")
            return nil
        }
        located.append("\(server): \(file) (found at the default location)")
        return file
    }
}
