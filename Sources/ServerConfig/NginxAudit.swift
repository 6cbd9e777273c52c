import Evidence
import Foundation
import HostAccess

/// Builds `ServerConfigFacts` from a loaded nginx configuration.
///
/// nginx inherits most directives from `http` to `server` to `location` (an inner level overrides);
/// array directives (`proxy_set_header`, `fastcgi_param`) are inherited only by a level that
/// defines none of its own — the classic way a `proxy_set_header` in a location silently drops the
/// server's list. `auth_basic off;` ends inherited protection.
struct NginxAudit {
    struct Scope {
        var authBasic: ConfigSetting?
        var userFile: ConfigSetting?
        var authRequest: ConfigSetting?
        var proxyHeaders: [ConfigDirective] = []
        var fastcgiParams: [ConfigDirective] = []
        var proxyPassHeaders: ConfigSetting?
        var fastcgiPassHeaders: ConfigSetting?
        var cors: ConfigLocation?
    }

    let config: NginxConfig
    var worker: WorkerIdentity
    var workerSource: String
    var areas: [ProtectedArea] = []
    var forwarding: [ForwardingFact] = []
    var docroots: [ConfigSetting] = []
    var userFileCache: [String: UserFileFact] = [:]

    init(config: NginxConfig, workerOverride: WorkerIdentity?) {
        self.config = config
        let user = config.directives.last { $0.key == "user" }
        (worker, workerSource) = AccessFacts.worker(
            named: user?.args.first ?? "nobody",
            source: user.map { "user at \($0.at)" } ?? "nginx's default user (no user directive)",
            override: workerOverride, fallbackSource: "user")
        collectRoots(config.directives)
    }

    mutating func collectRoots(_ directives: [ConfigDirective]) {
        for d in directives {
            if d.key == "root" || d.key == "alias", let path = d.args.first, !path.contains("$") {
                let resolved = ConfigFile.normalize(ConfigFile.resolve(path, against: config.prefix))
                if !docroots.contains(where: { $0.value == resolved }) {
                    docroots.append(ConfigSetting(resolved, at: d.at))
                }
            }
            if let children = d.children { collectRoots(children) }
        }
    }

    mutating func facts() -> ServerConfigFacts {
        for http in config.directives where http.key == "http" {
            let scope = apply(http.children ?? [], to: Scope())
            for server in http.children ?? [] where server.key == "server" {
                walk(server, context: "server" + serverName(server), parent: scope, server: server)
            }
        }
        var htaccess: [HtaccessFact] = []
        var notes = config.notes
        for root in docroots {
            htaccess += AccessFacts.htaccessWithAuth(under: root.value, notes: &notes) { _ in
                OverrideFact(
                    text: "nginx never reads .htaccess (root at \(root.at))", at: root.at, allowsAuthConfig: false,
                    isNone: true)
            }
        }
        return ServerConfigFacts(
            server: .nginx, mainConfig: config.mainFile, filesRead: config.filesRead, worker: worker.name,
            workerSource: workerSource,
            docroots: docroots, areas: areas, htaccess: htaccess, forwarding: forwarding, notes: notes)
    }

    func serverName(_ server: ConfigDirective) -> String {
        let names = (server.children ?? []).first { $0.key == "server_name" }?.args ?? []
        return names.isEmpty ? "" : " " + names.joined(separator: " ")
    }

    func apply(_ body: [ConfigDirective], to parent: Scope) -> Scope {
        var s = parent
        let proxyHeaders = body.filter { $0.key == "proxy_set_header" }
        if !proxyHeaders.isEmpty { s.proxyHeaders = proxyHeaders }
        let params = body.filter { $0.key == "fastcgi_param" }
        if !params.isEmpty { s.fastcgiParams = params }
        for d in body where !d.isSection {
            let first = d.args.first ?? ""
            switch d.key {
            case "auth_basic": s.authBasic = first == "off" ? nil : ConfigSetting(first, at: d.at)
            case "auth_basic_user_file": s.userFile = ConfigSetting(first, at: d.at)
            case "auth_request": s.authRequest = first == "off" ? nil : ConfigSetting(first, at: d.at)
            case "proxy_pass_request_headers": s.proxyPassHeaders = ConfigSetting(first, at: d.at)
            case "fastcgi_pass_request_headers": s.fastcgiPassHeaders = ConfigSetting(first, at: d.at)
            case "add_header":
                if first.lowercased().hasPrefix("access-control-allow-") { s.cors = d.at }
            default: break
            }
        }
        return s
    }

    mutating func walk(_ block: ConfigDirective, context: String, parent: Scope, server: ConfigDirective) {
        let body = block.children ?? []
        let scope = apply(body, to: parent)
        let handler = body.first {
            ["proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass"].contains($0.key)
        }
        if let handler { judgeForwarding(handler, scope: scope, context: context) }
        if scope.authBasic != nil || scope.authRequest != nil {
            var exempt = false
            for d in body where d.key == "if" {
                let condition = d.args.joined(separator: " ")
                if condition.contains("$request_method"), condition.uppercased().contains("OPTIONS"),
                    (d.children ?? []).contains(where: { $0.key == "return" })
                {
                    exempt = true
                }
            }
            if block.key == "limit_except", block.args.map({ $0.uppercased() }).contains("OPTIONS") { exempt = true }
            var userFile: UserFileFact?
            if let file = scope.userFile, file.value != "off" {
                let path = ConfigFile.normalize(ConfigFile.resolve(file.value, against: config.prefix))
                userFile = AccessFacts.userFile(
                    path, directive: "auth_basic_user_file", at: file.at, worker: worker,
                    docroots: docroots.map(\.value), cache: &userFileCache)
            }
            let authRequest = scope.authRequest.map { resolveAuthRequest($0, in: server) }
            areas.append(
                ProtectedArea(
                    server: .nginx, context: context, at: block.at,
                    scheme: scope.authBasic.map { ConfigSetting("Basic", at: $0.at) }
                        ?? scope.authRequest.map { ConfigSetting("auth_request", at: $0.at) },
                    realm: scope.authBasic, userFile: userFile, optionsExempt: exempt, corsHeader: scope.cors,
                    application: handler?.at,
                    authRequest: authRequest))
        }
        for child in body where child.isSection {
            switch child.key {
            case "location":
                walk(child, context: "location " + child.args.joined(separator: " "), parent: scope, server: server)
            case "limit_except":
                if (child.children ?? []).contains(where: { $0.key == "auth_basic" }) {
                    walk(
                        child, context: "limit_except \(child.args.joined(separator: " ")) in \(context)",
                        parent: scope, server: server)
                }
            default: break
            }
        }
    }

    /// Where nginx sends the `auth_request` subrequest: the location of the same server that matches
    /// its URI (exact `=`, then the longest prefix unless a regex matches first, as nginx chooses), and
    /// the service that location passes it to.
    func resolveAuthRequest(_ setting: ConfigSetting, in server: ConfigDirective) -> AuthRequestFact {
        let uri = String(setting.value.prefix { $0 != "?" })
        var fact = AuthRequestFact(uri: setting.value, at: setting.at)
        var all: [ConfigDirective] = []
        func collect(_ body: [ConfigDirective]) {
            for d in body where d.key == "location" {
                all.append(d)
                collect(d.children ?? [])
            }
        }
        collect(server.children ?? [])
        var chosen = all.first { $0.args.count == 2 && $0.args[0] == "=" && $0.args[1] == uri }
        if chosen == nil {
            let prefixes = all.filter {
                ($0.args.count == 1 || $0.args.first == "^~") && !($0.args.last ?? "").hasPrefix("@")
                    && uri.hasPrefix($0.args.last ?? "\u{0}")
            }
            let longest = prefixes.max { ($0.args.last ?? "").count < ($1.args.last ?? "").count }
            if longest?.args.first != "^~" {
                chosen = all.first { d in
                    guard d.args.count == 2, d.args[0] == "~" || d.args[0] == "~*" else { return false }
                    let options: NSRegularExpression.Options = d.args[0] == "~*" ? [.caseInsensitive] : []
                    guard let regex = try? NSRegularExpression(pattern: d.args[1], options: options) else {
                        return false
                    }
                    return regex.firstMatch(in: uri, range: NSRange(uri.startIndex..., in: uri)) != nil
                }
            }
            chosen = chosen ?? longest
        }
        guard let location = chosen else { return fact }
        fact.endpoint = ConfigSetting("location " + location.args.joined(separator: " "), at: location.at)
        if let pass = (location.children ?? []).first(where: {
            ["proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "return"].contains($0.key)
        }) {
            fact.service = ConfigSetting(pass.text, at: pass.at)
        }
        return fact
    }

    mutating func judgeForwarding(_ handler: ConfigDirective, scope: Scope, context: String) {
        let isProxy = handler.key == "proxy_pass"
        let isFastCGI = handler.key == "fastcgi_pass"
        guard isProxy || isFastCGI else { return }
        let kind: ForwardingFact.Kind = isProxy ? .proxy : .fastcgi
        let list = isProxy ? scope.proxyHeaders : scope.fastcgiParams
        let name = isProxy ? "authorization" : "http_authorization"
        let entry = list.last { $0.args.first?.lowercased() == name }
        if let entry, (entry.args.dropFirst().first ?? "").isEmpty {
            forwarding.append(
                ForwardingFact(
                    server: .nginx, kind: kind, context: context, at: handler.at, passesAuthorization: false,
                    blocker: ConfigSetting("\(entry.name) \(entry.args[0]) \"\"", at: entry.at),
                    reason: "the header is set to an empty value, which removes it"))
            return
        }
        let passHeaders = isProxy ? scope.proxyPassHeaders : scope.fastcgiPassHeaders
        if let passHeaders, passHeaders.value == "off", entry == nil {
            forwarding.append(
                ForwardingFact(
                    server: .nginx, kind: kind, context: context, at: handler.at, passesAuthorization: false,
                    blocker: ConfigSetting(
                        "\(isProxy ? "proxy" : "fastcgi")_pass_request_headers off", at: passHeaders.at),
                    reason: "request headers are not passed and none names Authorization"))
            return
        }
        forwarding.append(
            ForwardingFact(
                server: .nginx, kind: kind, context: context, at: handler.at, passesAuthorization: true,
                reason: entry.map { "`\($0.text)` at \($0.at)" } ?? "nginx passes request headers by default"))
    }
}

/// The entry points `why401 server` calls.
public enum ConfigAudit {
    public struct Result: Sendable {
        public var facts: ServerConfigFacts
        public var worker: WorkerIdentity
    }

    /// `extraRoots` (`--root`) are searched for `.htaccess` like the configured DocumentRoots.
    /// `version`: the httpd `<IfVersion>` is judged against (default: what `apache2 -v` says here).
    public static func apache(
        _ path: String, worker: WorkerIdentity?, extraRoots: [String] = [], version: ApacheVersion? = nil
    ) throws -> Result {
        let config = try ApacheConfigLoader.load(path, version: version)
        var audit = ApacheAudit(config: config, workerOverride: worker)
        for root in extraRoots {
            let normalized = ConfigFile.normalize(
                ConfigFile.resolve(root, against: FileManager.default.currentDirectoryPath))
            if !audit.docroots.contains(where: { ConfigFile.isInside(normalized, $0.path) }) {
                audit.docroots.append((normalized, ConfigLocation(file: "--root", line: 0), nil))
            }
        }
        return Result(facts: audit.facts(), worker: audit.worker)
    }

    public static func nginx(_ path: String, worker: WorkerIdentity?) throws -> Result {
        let config = try NginxConfigLoader.load(path)
        var audit = NginxAudit(config: config, workerOverride: worker)
        return Result(facts: audit.facts(), worker: audit.worker)
    }

    /// `--root DIR` without any configuration: the `.htaccess` files under it, judged under Debian's
    /// default `AllowOverride None` for /var/www (stated as an assumption in the evidence).
    public static func htaccessOnly(roots: [String], worker: WorkerIdentity) -> ServerConfigFacts {
        var facts: [HtaccessFact] = []
        var notes: [String] = []
        for root in roots {
            let normalized = ConfigFile.normalize(
                ConfigFile.resolve(root, against: FileManager.default.currentDirectoryPath))
            facts += AccessFacts.htaccessWithAuth(under: normalized, notes: &notes) { _ in
                OverrideFact(
                    text: "None (assumed: Debian's default for /var/www; no Apache configuration was read)",
                    at: nil, assumed: true, allowsAuthConfig: false, isNone: true)
            }
        }
        return ServerConfigFacts(
            server: .apache, mainConfig: "(none)", worker: worker.name, workerSource: "--as or the current user",
            docroots: roots.map { ConfigSetting($0, at: ConfigLocation(file: "--root", line: 0)) }, htaccess: facts,
            notes: notes)
    }

    /// Where a package install puts the main file, if `dir` holds one.
    public static func mainFile(in dir: String, candidates: [String]) -> String? {
        candidates.map { dir + "/" + $0 }.first { ConfigFile.exists($0) && !ConfigFile.isDirectory($0) }
    }

    public static func isDirectory(_ path: String) -> Bool { ConfigFile.isDirectory(path) }
    public static func exists(_ path: String) -> Bool { ConfigFile.exists(path) }
}
