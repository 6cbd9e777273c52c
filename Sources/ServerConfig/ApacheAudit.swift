import Evidence
import Foundation
import HostAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds `ServerConfigFacts` from a loaded Apache configuration.
///
/// Apache merges per-directory configuration: server config, then the virtual host, then every
/// `<Directory>` whose path contains the directory (shortest first), then sections nested inside.
/// This follows that order (`chain`) for auth directives, `Require` (replaced, not merged, as with
/// the default `AuthMerging Off`), `AllowOverride`, `CGIPassAuth` and the header pass-throughs.
struct ApacheAudit {
    enum Kind: Equatable {
        case global, vhost
        case directory(String)
        case location(String)
        case files, regex, other
    }

    struct Section {
        var kind: Kind
        var directive: ConfigDirective?
        /// Non-section directives and inline blocks (`<Limit>`, `<RequireAny>`, `<If>`).
        var body: [ConfigDirective]
        /// Enclosing sections, outermost (global) first.
        var enclosing: [Int]
        var vhost: Int?
    }

    static let inlineBlocks: Set<String> = [
        "limit", "limitexcept", "requireall", "requireany", "requirenone", "if", "elseif", "else",
    ]
    static let sectionKinds: Set<String> = [
        "virtualhost", "directory", "directorymatch", "location", "locationmatch", "files", "filesmatch", "proxy",
        "proxymatch",
    ]
    /// `Require` providers that do not authenticate anyone.
    static let anonymousProviders: Set<String> = ["all", "ip", "host", "local", "env", "method", "expr", "forward-dns"]

    let config: ApacheConfig
    var sections: [Section] = []
    var worker: WorkerIdentity
    var workerSource: String
    var docroots: [(path: String, at: ConfigLocation, vhost: Int?)] = []
    var userFileCache: [String: UserFileFact] = [:]

    init(config: ApacheConfig, workerOverride: WorkerIdentity?) {
        self.config = config
        sections = [Section(kind: .global, directive: nil, body: [], enclosing: [], vhost: nil)]
        worker = WorkerIdentity.current
        workerSource = ""
        collect(config.directives, into: 0, enclosing: [], vhost: nil)
        let user = sections[0].body.last { $0.key == "user" }
        (worker, workerSource) = AccessFacts.worker(
            named: user?.args.first, source: user.map { "User at \($0.at)" } ?? "", override: workerOverride,
            fallbackSource: user == nil ? "no User directive" : "User \(user!.args.first ?? "") is not resolvable")
        for (index, section) in sections.enumerated() where section.kind == .global || section.kind == .vhost {
            if let d = section.body.last(where: { $0.key == "documentroot" }), let path = d.args.first {
                docroots.append(
                    (
                        ConfigFile.normalize(ConfigFile.resolve(path, against: config.serverRoot)), d.at,
                        index == 0 ? nil : index
                    ))
            }
            // `Alias /url /dir` serves `dir` like a document root: its .htaccess and files count too.
            for d in section.body where d.key == "alias" && d.args.count >= 2 {
                let path = ConfigFile.normalize(ConfigFile.resolve(d.args[1], against: config.serverRoot))
                if !docroots.contains(where: { $0.path == path }) {
                    docroots.append((path, d.at, index == 0 ? nil : index))
                }
            }
        }
    }

    mutating func collect(_ directives: [ConfigDirective], into index: Int, enclosing: [Int], vhost: Int?) {
        for d in directives {
            guard let children = d.children else {
                sections[index].body.append(d)
                continue
            }
            if Self.inlineBlocks.contains(d.key) {
                sections[index].body.append(d)
                continue
            }
            guard Self.sectionKinds.contains(d.key) else { continue }  // <Macro> and the like: not applied as written
            let arg = d.args.first ?? ""
            let isRegex = d.key.hasSuffix("match") || arg == "~"
            let kind: Kind
            switch d.key {
            case "virtualhost": kind = .vhost
            case "directory" where !isRegex:
                kind = .directory(ConfigFile.normalize(ConfigFile.resolve(arg, against: config.serverRoot)))
            case "location" where !isRegex: kind = .location(arg)
            case "files" where !isRegex: kind = .files
            default: kind = isRegex ? .regex : .other
            }
            let newIndex = sections.count
            let newVhost = kind == .vhost ? newIndex : vhost
            sections.append(
                Section(kind: kind, directive: d, body: [], enclosing: enclosing + [index], vhost: newVhost))
            collect(children, into: newIndex, enclosing: enclosing + [index], vhost: newVhost)
        }
    }

    // MARK: - Merge order

    /// Non-regex `<Directory>` sections (server-wide or in `vhost`) that contain `path`, shortest first.
    func directoryChain(for path: String, vhost: Int?) -> [Int] {
        var matches: [(Int, Int)] = []
        for (index, s) in sections.enumerated() {
            guard case .directory(let dir) = s.kind else { continue }
            guard s.vhost == nil || s.vhost == vhost else { continue }
            guard s.enclosing.allSatisfy({ sections[$0].kind == .global || sections[$0].kind == .vhost }) else {
                continue
            }
            if Self.directoryMatches(dir, path) {
                matches.append((dir.split(separator: "/").count, index))
            }
        }
        return matches.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map(\.1)
    }

    static func directoryMatches(_ pattern: String, _ path: String) -> Bool {
        if ConfigFile.hasWildcard(pattern) {
            let count = pattern.split(separator: "/").count
            let parts = ConfigFile.normalize(path).split(separator: "/")
            guard parts.count >= count else { return false }
            let prefix = "/" + parts.prefix(count).joined(separator: "/")
            return fnmatch(pattern, prefix, FNM_PATHNAME) == 0
        }
        return ConfigFile.isInside(path, pattern)
    }

    /// The sections whose configuration applies to `index`, in merge order, ending with `index`.
    func chain(_ index: Int) -> [Int] {
        let s = sections[index]
        var out: [Int] = [0]
        if let v = s.vhost, v != index { out.append(v) }
        switch s.kind {
        case .global: return [0]
        case .vhost: return out + [index]
        case .directory(let path):
            out += directoryChain(for: path, vhost: s.vhost).filter {
                $0 != index && $0 < index || isShorter($0, than: index)
            }
        case .location(let path):
            for (i, other) in sections.enumerated() where i != index {
                if case .location(let p) = other.kind, other.vhost == nil || other.vhost == s.vhost, path.hasPrefix(p),
                    p.count < path.count
                {
                    out.append(i)
                }
            }
        default:
            break
        }
        for e in s.enclosing where !out.contains(e) {
            if case .directory(let path) = sections[e].kind {
                out += directoryChain(for: path, vhost: s.vhost).filter { !out.contains($0) }
            } else {
                out.append(e)
            }
        }
        return out.filter { $0 != index } + [index]
    }

    func isShorter(_ a: Int, than b: Int) -> Bool {
        guard case .directory(let pa) = sections[a].kind, case .directory(let pb) = sections[b].kind else {
            return false
        }
        return pa.split(separator: "/").count < pb.split(separator: "/").count
    }

    // MARK: - Effective settings

    struct Effective {
        var scheme: ConfigSetting?
        var realm: ConfigSetting?
        var provider = "file"
        var userFile: ConfigSetting?
        var requires: [RequireFact] = []
        var optionsExempt = false
        var cgiPassAuth: ConfigSetting?
        var passThrough: ConfigSetting?
        var unsetAuthorization: ConfigSetting?
        var cors: ConfigLocation?
        var allowOverride: ConfigSetting?
        /// mod_access_compat's settings: it has no merge function, so the innermost section that
        /// uses any of `Order`/`Allow`/`Deny`/`Satisfy` replaces them all.
        var access: AccessCompat?
    }

    struct AccessCompat {
        var order: ConfigSetting?
        var allows: [ConfigSetting] = []
        var denies: [ConfigSetting] = []
        var satisfy: ConfigSetting?

        /// Who `Satisfy Any` lets in without a password (nil: nobody — the password is needed).
        var bypass: AccessBypass? {
            guard let satisfy, satisfy.value.lowercased() == "any" else { return nil }
            let order = (self.order?.value ?? "deny,allow").lowercased().replacingOccurrences(of: " ", with: "")
            let allowAll = allows.contains { Self.isAll($0.value) }
            let denyAll = denies.contains { Self.isAll($0.value) }
            let everyone: Bool
            switch order {
            case "deny,allow":
                // Allowed unless a Deny matches and no Allow does.
                if allowAll || !denyAll {
                    everyone = true
                } else if allows.isEmpty {
                    return nil
                } else {
                    everyone = false
                }
            default:  // allow,deny and mutual-failure: only what an Allow admits, minus Deny.
                if allows.isEmpty || denyAll { return nil }
                everyone = allowAll
            }
            return AccessBypass(satisfy: satisfy, order: self.order, allows: allows, denies: denies, everyone: everyone)
        }

        static func isAll(_ value: String) -> Bool {
            let words = value.lowercased().split(separator: " ")
            return words.count == 2 && words[0] == "from" && words[1] == "all"
        }
    }

    func effective(_ chain: [Int], extra: [ConfigDirective] = []) -> Effective {
        var e = Effective()
        for index in chain { apply(sections[index].body, to: &e) }
        if !extra.isEmpty { apply(extra, to: &e) }
        return e
    }

    func apply(_ body: [ConfigDirective], to e: inout Effective) {
        var requires: [RequireFact] = []
        var exemptAll = true
        collectRequires(body, inExemptBlock: false, into: &requires, exemptAll: &exemptAll)
        if !requires.isEmpty {
            e.requires = requires
            e.optionsExempt =
                exemptAll
                || requires.contains {
                    $0.text.lowercased().hasPrefix("require method") && $0.text.uppercased().contains("OPTIONS")
                }
        }
        var accessSeen = false
        for d in Self.flatten(body) {
            let first = d.args.first ?? ""
            if ["order", "allow", "deny", "satisfy"].contains(d.key), !accessSeen {
                accessSeen = true
                e.access = AccessCompat()
            }
            switch d.key {
            case "order": e.access?.order = ConfigSetting(d.args.joined(separator: " "), at: d.at)
            case "allow": e.access?.allows.append(ConfigSetting(d.args.joined(separator: " "), at: d.at))
            case "deny": e.access?.denies.append(ConfigSetting(d.args.joined(separator: " "), at: d.at))
            case "satisfy": e.access?.satisfy = ConfigSetting(first, at: d.at)
            case "authtype":
                e.scheme = first.lowercased() == "none" ? nil : ConfigSetting(first, at: d.at)
            case "authname": e.realm = ConfigSetting(first, at: d.at)
            case "authuserfile": e.userFile = ConfigSetting(first, at: d.at)
            case "authbasicprovider", "authdigestprovider": e.provider = d.args.joined(separator: " ")
            case "cgipassauth": e.cgiPassAuth = ConfigSetting(first, at: d.at)
            case "setenvif", "setenvifnocase", "rewriterule":
                if Self.isPassThrough(d) { e.passThrough = ConfigSetting(d.text, at: d.at) }
            case "requestheader":
                if d.args.count >= 2, d.args[0].lowercased() == "unset", d.args[1].lowercased() == "authorization" {
                    e.unsetAuthorization = ConfigSetting(d.text, at: d.at)
                }
            case "header":
                if d.args.contains(where: { $0.lowercased().hasPrefix("access-control-allow-") }) { e.cors = d.at }
            case "allowoverride": e.allowOverride = ConfigSetting(d.args.joined(separator: " "), at: d.at)
            default: break
            }
        }
    }

    /// A line that copies the `Authorization` header into `HTTP_AUTHORIZATION` for CGI/FastCGI:
    /// `SetEnvIf[NoCase] ATTR REGEX HTTP_AUTHORIZATION=$1` where ATTR is `Authorization` or a regular
    /// expression that matches that header's name (mod_setenvif matches header names by regex, e.g.
    /// Debian's `SetEnvIfNoCase ^Authorization$ "(.+)" HTTP_AUTHORIZATION=$1`), or a `RewriteRule`
    /// with `[E=HTTP_AUTHORIZATION:…]`.
    static func isPassThrough(_ d: ConfigDirective) -> Bool {
        switch d.key {
        case "setenvif", "setenvifnocase":
            guard d.args.count >= 3,
                d.args.dropFirst(2).contains(where: { $0.uppercased().hasPrefix("HTTP_AUTHORIZATION=") })
            else { return false }
            return attributeMatchesAuthorization(d.args[0])
        case "rewriterule":
            return d.args.dropFirst(2).contains { flags in
                let upper = flags.uppercased()
                return upper.contains("E=HTTP_AUTHORIZATION:") || upper.contains("ENV=HTTP_AUTHORIZATION:")
            }
        default:
            return false
        }
    }

    static func attributeMatchesAuthorization(_ attribute: String) -> Bool {
        if attribute.lowercased() == "authorization" { return true }
        guard attribute.contains(where: { "^$.*+?[](|\\".contains($0) }),
            let regex = try? NSRegularExpression(pattern: attribute, options: [.caseInsensitive])
        else { return false }
        let name = "Authorization"
        return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    /// Directives of a body with inline blocks opened up.
    static func flatten(_ body: [ConfigDirective]) -> [ConfigDirective] {
        body.flatMap { d in d.children.map { flatten($0) } ?? [d] }
    }

    func collectRequires(
        _ body: [ConfigDirective], inExemptBlock: Bool, into out: inout [RequireFact], exemptAll: inout Bool
    ) {
        for d in body {
            if let children = d.children {
                var exempt = inExemptBlock
                let methods = Set(d.args.map { $0.uppercased() })
                if d.key == "limitexcept" { exempt = methods.contains("OPTIONS") }
                if d.key == "limit" { exempt = !methods.contains("OPTIONS") }
                collectRequires(children, inExemptBlock: exempt, into: &out, exemptAll: &exemptAll)
                continue
            }
            guard d.key == "require" else { continue }
            var words = d.args.map { $0.lowercased() }
            let negated = words.first == "not"
            if negated { words.removeFirst() }
            let needs = !negated && !(words.first.map(Self.anonymousProviders.contains) ?? true)
            if needs && !inExemptBlock { exemptAll = false }
            out.append(RequireFact(text: d.text, at: d.at, needsAuthentication: needs))
        }
    }

    static func hasAuth(_ body: [ConfigDirective]) -> Bool {
        flatten(body).contains { d in
            switch d.key {
            case "authtype": return (d.args.first ?? "").lowercased() != "none"
            case "authname", "authuserfile": return true
            case "require":
                var words = d.args.map { $0.lowercased() }
                if words.first == "not" { words.removeFirst() }
                return !(words.first.map(anonymousProviders.contains) ?? true)
            default: return false
            }
        }
    }

    func context(_ index: Int) -> String {
        guard let d = sections[index].directive else { return "server config" }
        return "<\(d.name)"
            + (d.args.isEmpty
                ? ""
                : " "
                    + d.args.map { $0.contains(" ") || d.key == "directory" ? "\"\($0)\"" : $0 }.joined(separator: " "))
            + ">"
    }

    // MARK: - Facts

    mutating func facts() -> ServerConfigFacts {
        var notes = config.notes
        var handlers = handlerFacts()
        var areas: [(area: ProtectedArea, chain: [Int], section: Int)] = []
        let docrootPaths = docroots.map(\.path)
        for index in sections.indices where Self.hasAuth(sections[index].body) {
            let c = chain(index)
            let e = effective(c)
            var area = makeArea(
                context: context(index),
                at: sections[index].directive?.at ?? ConfigLocation(file: config.mainFile, line: 1), effective: e,
                chain: c, handlers: handlers, docroots: docrootPaths)
            // A directory area also shows what a .htaccess there may change (or that it is not read).
            if case .directory = sections[index].kind { area.override = Self.override(e.allowOverride) }
            areas.append((area, c, index))
        }
        for i in areas.indices where !areas[i].area.needsAuthentication && areas[i].area.scheme != nil {
            let me = areas[i].section
            if areas.contains(where: { $0.section != me && $0.chain.contains(me) && $0.area.needsAuthentication }) {
                areas[i].area.completedElsewhere = true
            }
        }
        // .htaccess under each DocumentRoot, judged with the AllowOverride of its directory.
        var htaccessFacts: [HtaccessFact] = []
        var htaccessAreas: [ProtectedArea] = []
        /// `.htaccess` files httpd reads and applies, with the directives it allows there.
        var applied: [(dir: String, directives: [ConfigDirective], override: OverrideFact)] = []
        let accessName = sections[0].body.last { $0.key == "accessfilename" }?.args.first ?? ".htaccess"
        var seenRoots: Set<String> = []
        for root in docroots where seenRoots.insert(root.path).inserted {
            let (files, truncated) = AccessFacts.findFiles(named: accessName, under: root.path)
            if truncated { notes.append("\(root.path): more than 200000 entries, \(accessName) search stopped early") }
            for file in files {
                let dir = ConfigFile.directoryName(file)
                let dirChain = [0] + (root.vhost.map { [$0] } ?? []) + directoryChain(for: dir, vhost: root.vhost)
                let override = Self.override(effective(dirChain).allowOverride)
                let parsed: [ConfigDirective]
                do {
                    parsed = try ApacheConfigLoader.parseHtaccess(try ConfigFile.read(file), file: file, config: config)
                } catch {
                    notes.append("\(error) (this .htaccess was not judged)")
                    continue
                }
                let auth = AccessFacts.authDirectives(parsed)
                if override.allowsAuthConfig {
                    if Self.hasAuth(parsed) {
                        var area = makeArea(
                            context: ".htaccess in \(dir)", at: auth.first?.at ?? ConfigLocation(file: file, line: 1),
                            effective: effective(dirChain, extra: parsed), chain: dirChain, handlers: handlers,
                            docroots: docrootPaths)
                        area.htaccess = file
                        area.override = override
                        htaccessAreas.append(area)
                    }
                } else if !auth.isEmpty {
                    htaccessFacts.append(
                        HtaccessFact(path: file, docroot: root.path, authDirectives: auth, override: override))
                }
                // A file httpd refuses (a directive its AllowOverride does not allow) answers 500 before
                // anything in it applies; only a file it reads whole hands its pass-through on.
                if !override.isNone, auth.isEmpty || override.allowsAuthConfig {
                    applied.append((dir, parsed, override))
                }
            }
        }
        for i in handlers.indices { resolve(&handlers[i], applied: applied, htaccessAreas: htaccessAreas) }
        return ServerConfigFacts(
            server: .apache, mainConfig: config.mainFile, filesRead: config.filesRead, worker: worker.name,
            workerSource: workerSource,
            docroots: docroots.map { ConfigSetting($0.path, at: $0.at) }, areas: areas.map(\.area) + htaccessAreas,
            htaccess: htaccessFacts,
            forwarding: handlers.map(\.fact),
            notes: notes
                + ["<IfVersion> judged against Apache \(config.version) (\(config.versionSource))"].filter { _ in
                    config.usesIfVersion
                })
    }

    mutating func makeArea(
        context: String, at: ConfigLocation, effective e: Effective, chain: [Int], handlers: [Handler],
        docroots: [String]
    ) -> ProtectedArea {
        var userFile: UserFileFact?
        if let file = e.userFile {
            let path = ConfigFile.normalize(ConfigFile.resolve(file.value, against: config.serverRoot))
            userFile = AccessFacts.userFile(
                path, directive: "AuthUserFile", at: file.at, worker: worker, docroots: docroots, cache: &userFileCache)
        }
        let app = handlers.first { h in chain.contains { sectionOwns($0, h.fact.at) } }?.fact.at
        let requiresUser = e.requires.contains { $0.needsAuthentication }
        return ProtectedArea(
            server: .apache, context: context, at: at, scheme: e.scheme, realm: e.realm, provider: e.provider,
            userFile: userFile,
            requires: e.requires, optionsExempt: e.optionsExempt, corsHeader: e.cors, application: app,
            bypass: requiresUser ? e.access?.bypass : nil)
    }

    func sectionOwns(_ index: Int, _ at: ConfigLocation) -> Bool {
        index != 0 && Self.flatten(sections[index].body).contains { $0.at == at }
    }

    /// The AllowOverride in effect. With none set anywhere, httpd 2.4.71 (Debian's package, measured)
    /// still reads `.htaccess` but allows no directive in it: each one is a 500 ("… not allowed here").
    static func override(_ setting: ConfigSetting?) -> OverrideFact {
        guard let setting else {
            return OverrideFact(
                text: "not set (httpd reads .htaccess but allows none of its directives)", at: nil,
                allowsAuthConfig: false, isNone: false)
        }
        let words = setting.value.split(separator: " ").map { $0.lowercased() }
        let nonfatal = words.contains { $0 == "nonfatal=override" || $0 == "nonfatal=all" }
        let isNone = words.contains("none")
        return OverrideFact(
            text: setting.value, at: setting.at,
            allowsAuthConfig: !isNone && (words.contains("all") || words.contains("authconfig")),
            isNone: isNone, nonfatal: nonfatal)
    }

    /// Whether an AllowOverride lets a `.htaccess` use `SetEnvIf`/`RewriteRule` (FileInfo).
    static func allowsFileInfo(_ o: OverrideFact) -> Bool {
        let words = o.text.split(separator: " ").map { $0.lowercased() }
        return o.at != nil && !o.isNone && (words.contains("all") || words.contains("fileinfo"))
    }

    // MARK: - Forwarding

    /// A place where httpd hands a request to a program, with where its scripts live.
    struct Handler {
        var fact: ForwardingFact
        var chain: [Int]
        /// Directories whose files it runs (the ScriptAlias target, the `<Directory>`, else the
        /// document roots it serves); empty for a `ProxyPass`, which maps to no file.
        var dirs: [String]
        /// The URL prefix it serves, when known (`ScriptAlias /cgi-bin/`, `<Location /app>`).
        var urlPrefix: String?
    }

    func handlerFacts() -> [Handler] {
        var out: [Handler] = []
        let cgiLoaded = config.modules.contains("cgi_module") || config.modules.contains("cgid_module")
        for (index, s) in sections.enumerated() {
            for d in Self.flatten(s.body) {
                let args = d.args.map { $0.lowercased() }
                switch d.key {
                case "scriptalias" where cgiLoaded && d.args.count >= 2,
                    "scriptaliasmatch" where cgiLoaded && d.args.count >= 2:
                    let dir = ConfigFile.normalize(ConfigFile.resolve(d.args[1], against: config.serverRoot))
                    // Debian's serve-cgi-bin.conf maps an empty /usr/lib/cgi-bin: no script, nothing to starve.
                    if d.key == "scriptalias", ConfigFile.list(dir).isEmpty { continue }
                    let c =
                        [0] + (s.vhost.map { [$0] } ?? []) + directoryChain(for: dir, vhost: s.vhost)
                        + (index == 0 || index == s.vhost ? [] : [index])
                    out.append(
                        judge(
                            .cgi, context: d.text, at: d.at, chain: c, dirs: [dir],
                            urlPrefix: d.key == "scriptalias" ? d.args[0] : nil))
                case "sethandler", "addhandler":
                    let dirs = directoryOf(index).map { [$0] } ?? servedRoots(vhost: s.vhost)
                    var prefix: String?
                    if case .location(let p) = s.kind { prefix = p }
                    if args.first == "cgi-script", cgiLoaded {
                        out.append(
                            judge(
                                .cgi, context: "\(d.text) in \(context(index))", at: d.at, chain: chain(index),
                                dirs: dirs, urlPrefix: prefix))
                    } else if let h = args.first, h.hasPrefix("proxy:"), h.contains("fcgi://") {
                        out.append(
                            judge(
                                .fastcgi, context: "\(d.text) in \(context(index))", at: d.at, chain: chain(index),
                                dirs: dirs, urlPrefix: prefix))
                    }
                case "proxypass", "proxypassmatch":
                    guard let target = args.dropFirst().first ?? (s.kind != .global ? args.first : nil) else {
                        continue
                    }
                    let kind: ForwardingFact.Kind = target.hasPrefix("fcgi://") ? .fastcgi : .proxy
                    guard target.contains("://") else { continue }
                    var prefix = d.args.count >= 2 && d.key == "proxypass" ? d.args[0] : nil
                    if case .location(let p) = s.kind { prefix = p }
                    out.append(judge(kind, context: d.text, at: d.at, chain: chain(index), dirs: [], urlPrefix: prefix))
                default: break
                }
            }
        }
        return out
    }

    /// The document roots a handler of `vhost` (nil: the main server, i.e. every host) serves files from.
    func servedRoots(vhost: Int?) -> [String] {
        guard let vhost else { return docroots.map(\.path) }
        let own = docroots.filter { $0.vhost == vhost }.map(\.path)
        return own.isEmpty ? docroots.filter { $0.vhost == nil }.map(\.path) : own
    }

    func directoryOf(_ index: Int) -> String? {
        for i in chain(index).reversed() { if case .directory(let p) = sections[i].kind { return p } }
        return nil
    }

    func judge(
        _ kind: ForwardingFact.Kind, context: String, at: ConfigLocation, chain: [Int], dirs: [String],
        urlPrefix: String?
    ) -> Handler {
        let e = effective(chain)
        var fact: ForwardingFact
        if let unset = e.unsetAuthorization {
            fact = ForwardingFact(
                server: .apache, kind: kind, context: context, at: at, passesAuthorization: false, blocker: unset,
                reason: "`\(unset.value)` removes the header first")
        } else if kind == .proxy {
            fact = ForwardingFact(
                server: .apache, kind: kind, context: context, at: at, passesAuthorization: true,
                reason: "mod_proxy_http forwards Authorization by default")
        } else if let pass = e.cgiPassAuth, pass.value.lowercased() == "on" {
            fact = ForwardingFact(
                server: .apache, kind: kind, context: context, at: at, passesAuthorization: true,
                reason: "CGIPassAuth On at \(pass.at)")
        } else if let pass = e.passThrough {
            fact = ForwardingFact(
                server: .apache, kind: kind, context: context, at: at, passesAuthorization: true,
                reason: "`\(pass.value)` at \(pass.at)")
        } else {
            let off = e.cgiPassAuth.map { " (CGIPassAuth \($0.value) at \($0.at))" } ?? ""
            fact = ForwardingFact(
                server: .apache, kind: kind, context: context, at: at, passesAuthorization: false,
                reason: "no CGIPassAuth On, SetEnvIf or RewriteRule setting HTTP_AUTHORIZATION applies here\(off)"
                    + (dirs.count == 1 ? " (scripts in \(dirs[0]))" : ""))
        }
        if e.scheme != nil, let require = e.requires.first(where: \.needsAuthentication),
            e.access?.bypass?.everyone != true
        {
            fact.authenticatedByServer = require.at
        }
        fact.scriptDirectory = dirs.count == 1 ? dirs[0] : nil
        return Handler(fact: fact, chain: chain, dirs: dirs, urlPrefix: urlPrefix)
    }

    /// What the configuration's other places add to a handler: a pass-through in a `<Directory>` or
    /// an applied `.htaccess` at or beneath its scripts' directories, and Apache's own authentication
    /// over them (a `<Location>` on its URL, a `.htaccess` area above its scripts).
    func resolve(
        _ h: inout Handler, applied: [(dir: String, directives: [ConfigDirective], override: OverrideFact)],
        htaccessAreas: [ProtectedArea]
    ) {
        func related(_ dir: String) -> Bool {
            h.dirs.contains { ConfigFile.isInside(dir, $0) || ConfigFile.isInside($0, dir) }
        }
        if h.fact.authenticatedByServer == nil {
            if let prefix = h.urlPrefix {
                for (index, s) in sections.enumerated() {
                    guard case .location(let p) = s.kind,
                        prefix.hasPrefix(p) || p.hasPrefix(prefix) && p.count <= prefix.count
                    else { continue }
                    let e = effective(chain(index))
                    if e.scheme != nil, let r = e.requires.first(where: \.needsAuthentication),
                        e.access?.bypass?.everyone != true, prefix.hasPrefix(p)
                    {
                        h.fact.authenticatedByServer = r.at
                        break
                    }
                }
            }
            if h.fact.authenticatedByServer == nil,
                let area = htaccessAreas.first(where: { a in
                    a.isProtected && a.scheme != nil
                        && h.dirs.contains { ConfigFile.isInside($0, ConfigFile.directoryName(a.htaccess ?? "")) }
                })
            {
                h.fact.authenticatedByServer = area.requires.first(where: \.needsAuthentication)?.at ?? area.at
            }
        }
        if let by = h.fact.authenticatedByServer, !h.fact.passesAuthorization {
            h.fact.reason =
                """
                Apache authenticates these requests itself (Require at \(by)): the program gets REMOTE_USER and \
                AUTH_TYPE, not the password, and needs no Authorization header
                """
            return
        }
        guard !h.fact.passesAuthorization, h.fact.blocker == nil, !h.dirs.isEmpty else { return }
        // A <Directory> beneath the scripts' directories (those above are already in the chain).
        for s in sections {
            guard case .directory(let p) = s.kind, h.dirs.contains(where: { ConfigFile.isInside(p, $0) }) else {
                continue
            }
            var e = Effective()
            apply(s.body, to: &e)
            if let pass = e.passThrough ?? (e.cgiPassAuth?.value.lowercased() == "on" ? e.cgiPassAuth : nil) {
                h.fact.passesAuthorization = true
                h.fact.reason = "`\(pass.value)` at \(pass.at) (scripts in \(p))"
                return
            }
        }
        for file in applied where related(file.dir) {
            var e = Effective()
            apply(file.directives, to: &e)
            let pass: ConfigSetting? =
                (e.cgiPassAuth?.value.lowercased() == "on" && file.override.allowsAuthConfig)
                ? e.cgiPassAuth
                : (Self.allowsFileInfo(file.override) ? e.passThrough : nil)
            if let pass {
                h.fact.passesAuthorization = true
                h.fact.reason = "`\(pass.value)` at \(pass.at) (scripts in \(file.dir))"
                return
            }
        }
    }
}
