import ArgumentParser
import Diagnosis
import Evidence
import Report
import ServerAudit

/// `why401 server`: the admin-side audit. Reads the Apache and/or nginx configuration (includes,
/// virtual hosts, sections, `.htaccess` under each DocumentRoot), checks every protected area's
/// user file as the worker account, and then walks the document roots for permission problems
/// (the walk belongs to `PermissionOptions`). Nothing is changed unless `--apply` is given.
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Audit Apache/nginx auth configuration, user files and web-root permissions.",
        discussion: """
            Without --apache/--nginx, reads /etc/apache2 and /etc/nginx when present. For each protected \
            area it shows where (file:line), scheme, realm, user file, Require lines and the AllowOverride \
            in effect, and checks the user file as the worker (User/user, or --as) including every parent \
            directory's execute bit. .htaccess files under every DocumentRoot are judged with the \
            AllowOverride of their directory.

            Examples:
              why401 server
              why401 server --apache /etc/httpd/conf/httpd.conf --as apache
              why401 server --nginx /etc/nginx/nginx.conf --json
              why401 server --root /srv/site
            (--root adds a web root; with no configuration at all, its .htaccess files are judged \
            assuming Debian's default AllowOverride None.)

            Exit codes: 0 audit clean, 1 problems found, 2 usage, 3 could not complete (no configuration \
            readable, a syntax error or include loop — printed as FILE:LINE on one line).
            """)

    @Option(name: .long, help: ArgumentHelp("A web root to walk (and search for .htaccess); repeatable.", valueName: "DIR"))
    var root: [String] = []

    @Option(name: .long, help: ArgumentHelp("Apache configuration: apache2.conf/httpd.conf or the directory holding it.", valueName: "DIR|FILE"))
    var apache: String?

    @Option(name: .long, help: ArgumentHelp("nginx configuration: nginx.conf or the directory holding it.", valueName: "DIR|FILE"))
    var nginx: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Check access as this user instead of the configured worker.", valueName: "USER"))
    var asUser: String?

    @Option(name: .customLong("apache-version"), help: ArgumentHelp("The httpd version <IfVersion> is judged against (default: what apache2 -v or httpd -v says here).", valueName: "X.Y.Z"))
    var apacheVersion: String?

    @Flag(name: .long, help: "Only the configuration audit: skip the permissions walk of the web roots.")
    var noWalk = false

    @OptionGroup var permissions: PermissionOptions
    @OptionGroup var output: OutputOptions

    static let apacheMainFiles = ["apache2.conf", "httpd.conf", "conf/httpd.conf"]
    static let nginxMainFiles = ["nginx.conf"]

    func run() throws {
        if permissions.undo {
            try output.emit(try permissions.undoReport())
            return
        }
        var override: WorkerIdentity?
        if let name = asUser {
            guard let identity = WorkerIdentity.resolve(name) else { throw CLIFailure.usage("--as \(name): no such user") }
            override = identity
        }
        var version: ApacheVersion?
        if let text = apacheVersion {
            guard let v = ApacheVersion(text) else { throw CLIFailure.usage("--apache-version \(text): expected MAJOR[.MINOR[.PATCH]], e.g. 2.4.62") }
            version = v
        }
        let explicit = apache != nil || nginx != nil
        var found: [String] = []
        var results: [ConfigAudit.Result] = []

        if let path = try mainFile(apache, defaultDir: explicit ? nil : "/etc/apache2", candidates: Self.apacheMainFiles, flag: "--apache", found: &found, server: "Apache") {
            results.append(try audit { try ConfigAudit.apache(path, worker: override, extraRoots: root, version: version) })
        }
        if let path = try mainFile(nginx, defaultDir: explicit ? nil : "/etc/nginx", candidates: Self.nginxMainFiles, flag: "--nginx", found: &found, server: "nginx") {
            results.append(try audit { try ConfigAudit.nginx(path, worker: override) })
        }

        var factsList = results.map(\.facts)
        let worker = override ?? results.first?.worker ?? WorkerIdentity.resolve("www-data") ?? WorkerIdentity.current
        if results.isEmpty {
            guard !root.isEmpty else {
                throw CLIFailure.incomplete("no Apache (/etc/apache2) or nginx (/etc/nginx) configuration found: give --apache FILE, --nginx FILE or --root DIR")
            }
            found.append("no Apache or nginx configuration read: .htaccess files under --root are judged assuming Debian's default AllowOverride None")
            factsList.append(ConfigAudit.htaccessOnly(roots: root, worker: worker))
        }

        var findings = factsList.flatMap { ConfigRules.run($0) }
        var extra: [(String, JSONValue)] = [
            ("configurations", .array(factsList.map(Self.json))),
            ("worker", .string(worker.name)),
        ]
        var sections = [DiagnosticReport.Section(title: "Configurations", lines: found)]
        for facts in factsList { sections += Self.sections(facts) }

        if !noWalk {
            var roots: [String] = []
            for r in factsList.flatMap({ $0.docroots.map(\.value) }) + root where !roots.contains(r) && ConfigAudit.isDirectory(r) {
                roots.append(r)
            }
            let authFiles = factsList.flatMap { $0.areas.compactMap { $0.userFile?.path } }
            if !roots.isEmpty {
                let outcome = try permissions.run(roots: roots, authFiles: Array(Set(authFiles)).sorted(), worker: worker)
                findings += Self.withoutConfiguredFiles(outcome.findings, configured: Set(authFiles))
                extra += outcome.extra
                sections += outcome.sections
            }
        }
        findings = findings.ranked()
        let problems = findings.contains { $0.severity == .error || $0.severity == .warning }
        let subject = factsList.map { $0.server == .apache && $0.mainConfig == "(none)" ? "--root " + root.joined(separator: " ") : "\($0.server.rawValue) \($0.mainConfig)" }.joined(separator: ", ")
        try output.emit(
            DiagnosticReport(command: "server", subject: subject, outcome: problems ? .problems : .ok, findings: findings, extra: extra, sections: sections))
    }

    /// The walk's `authfile.in-docroot` is for password-looking files the configuration does not name;
    /// a configured one is already reported with its config line, so it is removed from the walk's.
    static func withoutConfiguredFiles(_ findings: [Finding], configured: Set<String>) -> [Finding] {
        findings.compactMap { finding in
            guard finding.id == "authfile.in-docroot" else { return finding }
            var f = finding
            f.evidence = f.evidence.filter { line in !configured.contains { line.hasPrefix($0 + " ") || line == $0 } }
            return f.evidence.contains(where: { !$0.hasPrefix("…") }) ? f : nil
        }
    }

    /// A configuration error is the audit's "could not complete": one line, `FILE:LINE: reason`.
    func audit(_ body: () throws -> ConfigAudit.Result) throws -> ConfigAudit.Result {
        do { return try body() } catch let error as ConfigError {
            throw CLIFailure.incomplete(error.description)
        }
    }

    /// The main file for `--apache`/`--nginx` (a file, or a directory holding one), or the package
    /// default when no flag was given (nil when that is absent, and said so in `found`).
    func mainFile(_ given: String?, defaultDir: String?, candidates: [String], flag: String, found: inout [String], server: String) throws -> String? {
        if let given {
            if ConfigAudit.isDirectory(given) {
                guard let file = ConfigAudit.mainFile(in: given, candidates: candidates) else {
                    throw CLIFailure.incomplete("\(flag) \(given): no \(candidates.joined(separator: " or ")) in this directory")
                }
                found.append("\(server): \(file)")
                return file
            }
            guard ConfigAudit.exists(given) else { throw CLIFailure.incomplete("\(flag) \(given): no such file or directory") }
            found.append("\(server): \(given)")
            return given
        }
        guard let defaultDir else { return nil }
        guard ConfigAudit.isDirectory(defaultDir), let file = ConfigAudit.mainFile(in: defaultDir, candidates: candidates) else {
            found.append("\(server): not found (\(defaultDir))")
            return nil
        }
        found.append("\(server): \(file) (found at the default location)")
        return file
    }

    // MARK: - Rendering

    static func accessText(_ access: PathAccess, worker: String) -> String {
        switch access {
        case .ok: "readable by \(worker)"
        case .missing(let path): "MISSING (\(path) does not exist)"
        case .denied(let path, let mode, let owner, let group, let reason): "NOT readable by \(worker): \(path) mode 0\(String(mode, radix: 8)) \(owner):\(group), \(reason)"
        case .unknown(let reason): "not checked: \(reason)"
        }
    }

    static func sections(_ facts: ServerConfigFacts) -> [DiagnosticReport.Section] {
        let name = facts.server.displayName
        var summary = [
            facts.filesRead.isEmpty
                ? "no configuration read: .htaccess files are judged assuming AllowOverride None (Debian's default for /var/www)"
                : "main file: \(facts.mainConfig) (\(facts.filesRead.count) file\(facts.filesRead.count == 1 ? "" : "s") read)",
            "worker: \(facts.worker) (\(facts.workerSource))",
        ]
        summary += facts.docroots.map { "document root: \($0.value)" + ($0.at.line > 0 ? " (\($0.at))" : "") }
        summary += facts.notes.prefix(20).map { "note: \($0)" }
        var out = [DiagnosticReport.Section(title: name, lines: summary)]

        var areaLines: [String] = []
        for area in facts.areas {
            areaLines.append("\(area.context) — \(area.at)")
            var parts: [String] = []
            parts.append("scheme \(area.scheme?.value ?? "none")")
            if let realm = area.realm { parts.append("realm \"\(realm.value)\"") }
            areaLines.append("  " + parts.joined(separator: ", "))
            if let file = area.userFile {
                areaLines.append("  user file \(file.path) (\(file.at)): \(accessText(file.access, worker: facts.worker))")
            } else if area.authRequest != nil && area.realm == nil {
                // auth_request alone: an external service decides, there is no user file.
            } else if area.server == .nginx || area.provider.lowercased().contains("file") {
                areaLines.append("  user file: none")
            } else {
                areaLines.append("  provider: \(area.provider)")
            }
            for r in area.requires { areaLines.append("  \(r.text) (\(r.at))") }
            if let b = area.bypass {
                let allows = b.allows.map { "Allow \($0.value) (\($0.at))" }.joined(separator: ", ")
                areaLines.append(
                    b.everyone
                        ? "  NOT protected: Satisfy Any (\(b.satisfy.at))\(allows.isEmpty ? " with no Allow/Deny" : " with " + allows) lets everyone in without a password"
                        : "  Satisfy Any (\(b.satisfy.at)): \(allows) get in without a password")
            }
            if let r = area.authRequest {
                var line = "  auth_request \(r.uri) (\(r.at))"
                if let endpoint = r.endpoint {
                    line += " → \(endpoint.value) (\(endpoint.at))"
                    if let service = r.service { line += " → \(service.value) (\(service.at))" }
                } else {
                    line += ": NO location of this server handles it"
                }
                areaLines.append(line)
            }
            if let o = area.override { areaLines.append("  AllowOverride \(o.text)" + (o.at.map { " (\($0))" } ?? "")) }
        }
        out.append(DiagnosticReport.Section(title: "\(name): protected areas (\(facts.areas.count))", lines: areaLines.isEmpty ? ["none"] : areaLines))

        if !facts.htaccess.isEmpty {
            out.append(
                DiagnosticReport.Section(
                    title: "\(name): .htaccess with auth directives not in effect",
                    lines: facts.htaccess.map { "\($0.path): AllowOverride \($0.override.text)" + ($0.override.at.map { " (\($0))" } ?? "") }))
        }
        if !facts.forwarding.isEmpty {
            out.append(
                DiagnosticReport.Section(
                    title: "\(name): handlers (does Authorization reach the application?)",
                    lines: facts.forwarding.map { f in
                        let state = f.passesAuthorization ? "passed" : f.authenticatedByServer != nil ? "not needed (the server authenticates)" : "NOT passed"
                        return "\(f.kind.rawValue) \(f.at): \(state) — \(f.reason)"
                    }))
        }
        return out
    }

    static func location(_ at: ConfigLocation?) -> JSONValue {
        guard let at else { return .null }
        return .object([("file", .string(at.file)), ("line", .int(at.line))])
    }

    static func accessJSON(_ access: PathAccess) -> JSONValue {
        switch access {
        case .ok: .object([("result", .string("ok"))])
        case .missing(let path): .object([("result", .string("missing")), ("path", .string(path))])
        case .denied(let path, let mode, let owner, let group, let reason):
            .object([("result", .string("denied")), ("path", .string(path)), ("mode", .string("0" + String(mode, radix: 8))), ("owner", .string(owner)), ("group", .string(group)), ("reason", .string(reason))])
        case .unknown(let reason): .object([("result", .string("unknown")), ("reason", .string(reason))])
        }
    }

    static func bypassJSON(_ b: AccessBypass) -> JSONValue {
        let allows: [JSONValue] = b.allows.map { .object([("text", .string($0.value)), ("at", location($0.at))]) }
        return .object([("satisfy", location(b.satisfy.at)), ("everyone", .bool(b.everyone)), ("allow", .array(allows))])
    }

    static func authRequestJSON(_ r: AuthRequestFact) -> JSONValue {
        let endpoint: JSONValue = r.endpoint.map { .object([("context", .string($0.value)), ("at", location($0.at))]) } ?? .null
        let service: JSONValue = r.service.map { .object([("text", .string($0.value)), ("at", location($0.at))]) } ?? .null
        return .object([("uri", .string(r.uri)), ("at", location(r.at)), ("endpoint", endpoint), ("service", service)])
    }

    static func areaJSON(_ area: ProtectedArea) -> JSONValue {
        let userFile: JSONValue = area.userFile.map { f in
            .object([("path", .string(f.path)), ("at", location(f.at)), ("access", accessJSON(f.access)), ("inside_document_root", f.insideDocroot.map { .string($0) } ?? .null)])
        } ?? .null
        let requires: [JSONValue] = area.requires.map { .object([("text", .string($0.text)), ("at", location($0.at)), ("needs_user", .bool($0.needsAuthentication))]) }
        var fields: [(String, JSONValue)] = [("context", .string(area.context)), ("at", location(area.at))]
        fields.append(("scheme", area.scheme.map { .string($0.value) } ?? .null))
        fields.append(("realm", area.realm.map { .string($0.value) } ?? .null))
        fields.append(("provider", .string(area.provider)))
        fields.append(("user_file", userFile))
        fields.append(("require", .array(requires)))
        fields.append(("htaccess", area.htaccess.map { .string($0) } ?? .null))
        fields.append(("allow_override", area.override.map { .string($0.text) } ?? .null))
        fields.append(("options_exempt", .bool(area.optionsExempt)))
        fields.append(("protected", .bool(area.isProtected)))
        fields.append(("bypass", area.bypass.map(bypassJSON) ?? .null))
        fields.append(("auth_request", area.authRequest.map(authRequestJSON) ?? .null))
        return .object(fields)
    }

    static func json(_ facts: ServerConfigFacts) -> JSONValue {
        .object([
            ("server", .string(facts.server.rawValue)),
            ("main_file", .string(facts.mainConfig)),
            ("files_read", .array(facts.filesRead.map { .string($0) })),
            ("worker", .string(facts.worker)), ("worker_source", .string(facts.workerSource)),
            ("document_roots", .array(facts.docroots.map { .object([("path", .string($0.value)), ("at", $0.at.line > 0 ? location($0.at) : .null)]) })),
            ("areas", .array(facts.areas.map(areaJSON))),
            ("htaccess_not_in_effect", .array(facts.htaccess.map { h in
                .object([
                    ("path", .string(h.path)), ("allow_override", .string(h.override.text)), ("allow_override_at", location(h.override.at)),
                    ("assumed", .bool(h.override.assumed)), ("directives", .array(h.authDirectives.map { .object([("text", .string($0.value)), ("line", .int($0.at.line))]) })),
                ])
            })),
            ("handlers", .array(facts.forwarding.map { f in
                .object([
                    ("kind", .string(f.kind.rawValue)), ("at", location(f.at)), ("context", .string(f.context)),
                    ("passes_authorization", .bool(f.passesAuthorization)), ("reason", .string(f.reason)),
                    ("authenticated_by_server", location(f.authenticatedByServer)),
                ])
            })),
            ("notes", .array(facts.notes.map { .string($0) })),
        ])
    }
}
