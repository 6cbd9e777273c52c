import Diagnosis
import Evidence

/// What `why401 server` concluded: every configuration read (Apache, nginx, or the `.htaccess`-only
/// stand-in), the worker the files were judged as, the permissions walk when one ran, and all
/// findings, ranked. Built by `UseCase.auditServer`; `ServerAuditReport` renders it.
public struct ServerAuditResult: Sendable {
    /// `apache /etc/apache2/apache2.conf, nginx /etc/nginx/nginx.conf` or `--root DIR`.
    public var subject: String
    /// Where each configuration was looked for and what was found there, one line each
    /// (`Apache: /etc/apache2/apache2.conf (found at the default location)`).
    public var located: [String]
    public var configurations: [ServerConfigFacts]
    /// The account access was judged as (`www-data`, the configured `User`, or `--as`).
    public var worker: String
    /// Nil when the walk was skipped (`--no-walk`) or there was no document root to walk.
    public var permissions: PermissionResult?
    /// Configuration and permission findings, ranked.
    public var findings: [Finding]

    public init(
        subject: String, located: [String], configurations: [ServerConfigFacts], worker: String,
        permissions: PermissionResult?, findings: [Finding]
    ) {
        self.subject = subject
        self.located = located
        self.configurations = configurations
        self.worker = worker
        self.permissions = permissions
        self.findings = findings
    }
}

/// The `server` report: JSON `configurations`, `worker` (and `permissions`), and for text/Markdown a
/// section per configuration, its protected areas, ignored `.htaccess` files and handlers.
public enum ServerAuditReport {
    /// The builder states no threshold: an audit that completed is `.ok` and the exit policy raises
    /// it when a finding reaches `--fail-on`.
    public static func report(_ r: ServerAuditResult) -> DiagnosticReport {
        var extra: [(String, JSONValue)] = [
            ("configurations", .array(r.configurations.map(json))),
            ("worker", .string(r.worker)),
        ]
        var sections = [DiagnosticReport.Section(title: "Configurations", lines: r.located)]
        for facts in r.configurations { sections += Self.sections(facts) }
        if let permissions = r.permissions {
            extra.append(("permissions", PermissionReport.json(permissions)))
            sections.append(PermissionReport.section(permissions))
        }
        return DiagnosticReport(
            command: "server", subject: r.subject, outcome: .ok, findings: r.findings, extra: extra, sections: sections)
    }

    // MARK: - Text and Markdown

    static func accessText(_ access: PathAccess, worker: String) -> String {
        switch access {
        case .ok: "readable by \(worker)"
        case .missing(let path): "MISSING (\(path) does not exist)"
        case .denied(let path, let mode, let owner, let group, let reason):
            "NOT readable by \(worker): \(path) mode 0\(String(mode, radix: 8)) \(owner):\(group), \(reason)"
        case .unknown(let reason): "not checked: \(reason)"
        }
    }

    public static func sections(_ facts: ServerConfigFacts) -> [DiagnosticReport.Section] {
        let name = facts.server.displayName
        let count = facts.filesRead.count
        var summary = [
            facts.filesRead.isEmpty
                ? "no configuration read: .htaccess files are judged assuming AllowOverride None "
                    + "(Debian's default for /var/www)"
                : "main file: \(facts.mainConfig) (\(count) file\(count == 1 ? "" : "s") read)",
            "worker: \(facts.worker) (\(facts.workerSource))",
        ]
        summary += facts.docroots.map { "document root: \($0.value)" + ($0.at.line > 0 ? " (\($0.at))" : "") }
        summary += facts.notes.prefix(20).map { "note: \($0)" }
        var out = [DiagnosticReport.Section(title: name, lines: summary)]

        let areaLines = facts.areas.flatMap { areaText($0, worker: facts.worker) }
        out.append(
            DiagnosticReport.Section(
                title: "\(name): protected areas (\(facts.areas.count))",
                lines: areaLines.isEmpty ? ["none"] : areaLines))

        if !facts.htaccess.isEmpty {
            out.append(
                DiagnosticReport.Section(
                    title: "\(name): .htaccess with auth directives not in effect",
                    lines: facts.htaccess.map {
                        "\($0.path): AllowOverride \($0.override.text)" + ($0.override.at.map { " (\($0))" } ?? "")
                    }))
        }
        if !facts.forwarding.isEmpty {
            out.append(
                DiagnosticReport.Section(
                    title: "\(name): handlers (does Authorization reach the application?)",
                    lines: facts.forwarding.map { f in
                        let state =
                            f.passesAuthorization
                            ? "passed"
                            : f.authenticatedByServer != nil ? "not needed (the server authenticates)" : "NOT passed"
                        return "\(f.kind.rawValue) \(f.at): \(state) — \(f.reason)"
                    }))
        }
        return out
    }

    static func areaText(_ area: ProtectedArea, worker: String) -> [String] {
        var lines = ["\(area.context) — \(area.at)"]
        var parts: [String] = []
        parts.append("scheme \(area.scheme?.value ?? "none")")
        if let realm = area.realm { parts.append("realm \"\(realm.value)\"") }
        lines.append("  " + parts.joined(separator: ", "))
        if let file = area.userFile {
            lines.append("  user file \(file.path) (\(file.at)): \(accessText(file.access, worker: worker))")
        } else if area.authRequest != nil && area.realm == nil {
            // auth_request alone: an external service decides, there is no user file.
        } else if area.server == .nginx || area.provider.lowercased().contains("file") {
            lines.append("  user file: none")
        } else {
            lines.append("  provider: \(area.provider)")
        }
        for r in area.requires { lines.append("  \(r.text) (\(r.at))") }
        if let b = area.bypass {
            let allows = b.allows.map { "Allow \($0.value) (\($0.at))" }.joined(separator: ", ")
            let with = allows.isEmpty ? " with no Allow/Deny" : " with " + allows
            lines.append(
                b.everyone
                    ? "  NOT protected: Satisfy Any (\(b.satisfy.at))\(with) lets everyone in without a password"
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
            lines.append(line)
        }
        if let o = area.override { lines.append("  AllowOverride \(o.text)" + (o.at.map { " (\($0))" } ?? "")) }
        return lines
    }

    // MARK: - JSON

    static func location(_ at: ConfigLocation?) -> JSONValue {
        guard let at else { return .null }
        return .object([("file", .string(at.file)), ("line", .int(at.line))])
    }

    static func accessJSON(_ access: PathAccess) -> JSONValue {
        switch access {
        case .ok: .object([("result", .string("ok"))])
        case .missing(let path): .object([("result", .string("missing")), ("path", .string(path))])
        case .denied(let path, let mode, let owner, let group, let reason):
            .object([
                ("result", .string("denied")), ("path", .string(path)), ("mode", .string("0" + String(mode, radix: 8))),
                ("owner", .string(owner)), ("group", .string(group)), ("reason", .string(reason)),
            ])
        case .unknown(let reason): .object([("result", .string("unknown")), ("reason", .string(reason))])
        }
    }

    static func bypassJSON(_ b: AccessBypass) -> JSONValue {
        let allows: [JSONValue] = b.allows.map { .object([("text", .string($0.value)), ("at", location($0.at))]) }
        return .object([
            ("satisfy", location(b.satisfy.at)), ("everyone", .bool(b.everyone)), ("allow", .array(allows)),
        ])
    }

    static func authRequestJSON(_ r: AuthRequestFact) -> JSONValue {
        var endpoint = JSONValue.null
        if let e = r.endpoint { endpoint = .object([("context", .string(e.value)), ("at", location(e.at))]) }
        var service = JSONValue.null
        if let s = r.service { service = .object([("text", .string(s.value)), ("at", location(s.at))]) }
        return .object([("uri", .string(r.uri)), ("at", location(r.at)), ("endpoint", endpoint), ("service", service)])
    }

    static func areaJSON(_ area: ProtectedArea) -> JSONValue {
        var userFile = JSONValue.null
        if let f = area.userFile {
            userFile = .object([
                ("path", .string(f.path)), ("at", location(f.at)), ("access", accessJSON(f.access)),
                ("inside_document_root", .optional(f.insideDocroot)),
            ])
        }
        let requires: [JSONValue] = area.requires.map {
            .object([
                ("text", .string($0.text)), ("at", location($0.at)), ("needs_user", .bool($0.needsAuthentication)),
            ])
        }
        var fields: [(String, JSONValue)] = [("context", .string(area.context)), ("at", location(area.at))]
        fields.append(("scheme", .optional(area.scheme?.value)))
        fields.append(("realm", .optional(area.realm?.value)))
        fields.append(("provider", .string(area.provider)))
        fields.append(("user_file", userFile))
        fields.append(("require", .array(requires)))
        fields.append(("htaccess", .optional(area.htaccess)))
        fields.append(("allow_override", .optional(area.override?.text)))
        fields.append(("options_exempt", .bool(area.optionsExempt)))
        fields.append(("protected", .bool(area.isProtected)))
        fields.append(("bypass", area.bypass.map(bypassJSON) ?? .null))
        fields.append(("auth_request", area.authRequest.map(authRequestJSON) ?? .null))
        return .object(fields)
    }

    /// One entry of the JSON `configurations` array.
    public static func json(_ facts: ServerConfigFacts) -> JSONValue {
        let docroots: [JSONValue] = facts.docroots.map {
            .object([("path", .string($0.value)), ("at", $0.at.line > 0 ? location($0.at) : .null)])
        }
        let htaccess: [JSONValue] = facts.htaccess.map { h in
            let directives: [JSONValue] = h.authDirectives.map {
                .object([("text", .string($0.value)), ("line", .int($0.at.line))])
            }
            return .object([
                ("path", .string(h.path)), ("allow_override", .string(h.override.text)),
                ("allow_override_at", location(h.override.at)), ("assumed", .bool(h.override.assumed)),
                ("directives", .array(directives)),
            ])
        }
        let handlers: [JSONValue] = facts.forwarding.map { f in
            .object([
                ("kind", .string(f.kind.rawValue)), ("at", location(f.at)), ("context", .string(f.context)),
                ("passes_authorization", .bool(f.passesAuthorization)), ("reason", .string(f.reason)),
                ("authenticated_by_server", location(f.authenticatedByServer)),
            ])
        }
        return .object([
            ("server", .string(facts.server.rawValue)),
            ("main_file", .string(facts.mainConfig)),
            ("files_read", .array(facts.filesRead.map { .string($0) })),
            ("worker", .string(facts.worker)), ("worker_source", .string(facts.workerSource)),
            ("document_roots", .array(docroots)),
            ("areas", .array(facts.areas.map(areaJSON))),
            ("htaccess_not_in_effect", .array(htaccess)),
            ("handlers", .array(handlers)),
            ("notes", .array(facts.notes.map { .string($0) })),
        ])
    }
}
