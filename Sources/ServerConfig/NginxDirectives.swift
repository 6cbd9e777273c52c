import Evidence
import HostAccess

/// The checks `nginx -t` makes that a syntax reader would miss: a directive in a block where it may
/// not appear (`"location" directive is not allowed here`), the wrong number of arguments, a
/// one-value directive given twice in a block, two identical locations, no `events` block. Only
/// directives listed here are checked: one this table does not know (a module's) is accepted.
enum NginxDirectives {
    /// Contexts: main, events, http, server, location, lif (`if` in a location), sif (`if` in a
    /// server), limit_except, upstream.
    struct Rule {
        var contexts: Set<String>
        var args: ClosedRange<Int>
        var single: Bool
    }

    static let rules: [String: Rule] = {
        var r: [String: Rule] = [:]
        func add(_ names: [String], _ contexts: [String], args: ClosedRange<Int> = 0...Int.max, single: Bool = false) {
            for n in names { r[n] = Rule(contexts: Set(contexts), args: args, single: single) }
        }
        let hsl = ["http", "server", "location"]
        add(["http", "events"], ["main"], args: 0...0, single: true)
        add(["user"], ["main"], args: 1...2, single: true)
        add(["worker_processes", "pid"], ["main"], args: 1...1, single: true)
        add(["load_module"], ["main"], args: 1...1)
        add(["worker_connections"], ["events"], args: 1...1, single: true)
        add(["server"], ["http", "upstream", "stream", "mail"])
        add(["upstream"], ["http", "stream"], args: 1...1)
        add(["location"], ["server", "location"], args: 1...2)
        add(["if"], ["server", "location"], args: 1...Int.max)
        add(["limit_except"], ["location"], args: 1...Int.max)
        add(["listen"], ["server"], args: 1...Int.max)
        add(["server_name"], ["server"])
        add(["proxy_pass"], ["location", "lif", "limit_except"], args: 1...1, single: true)
        add(["fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass"], ["location", "lif"], args: 1...1, single: true)
        add(["auth_basic", "auth_basic_user_file"], hsl + ["limit_except"], args: 1...1, single: true)
        add(["auth_request"], hsl, args: 1...1, single: true)
        add(["auth_request_set"], hsl, args: 2...2)
        add(["root"], hsl + ["lif"], args: 1...1, single: true)
        add(["alias"], ["location"], args: 1...1, single: true)
        add(["index"], hsl, args: 1...Int.max)
        add(["try_files"], ["server", "location"], args: 2...Int.max, single: true)
        add(["return"], ["server", "location", "lif", "sif"], args: 1...2)
        add(["rewrite"], ["server", "location", "lif", "sif"], args: 2...3)
        add(["set"], ["server", "location", "lif", "sif"], args: 2...2)
        add(["break"], ["server", "location", "lif", "sif"], args: 0...0)
        add(["add_header"], hsl + ["lif"], args: 2...3)
        add(["proxy_set_header", "fastcgi_param"], hsl, args: 2...3)
        add(["proxy_pass_request_headers", "fastcgi_pass_request_headers"], hsl, args: 1...1, single: true)
        add(["allow", "deny"], hsl + ["limit_except"], args: 1...1)
        add(["satisfy"], hsl, args: 1...1, single: true)
        add(["internal"], ["location"], args: 0...0)
        add(["ssl_certificate", "ssl_certificate_key"], ["http", "server"], args: 1...1)
        add(["client_max_body_size"], hsl, args: 1...1, single: true)
        return r
    }()

    static func validate(_ directives: [ConfigDirective], mainFile: String) throws {
        try check(directives, context: "main")
        let top = Set(directives.map(\.key))
        if !top.contains("events") {
            throw ConfigError(
                """
                no \"events\" section in configuration (nginx -t refuses it: every nginx.conf needs an `events { \
                }` block)
                """,
                at: ConfigLocation(file: mainFile, line: 1))
        }
    }

    static func check(_ body: [ConfigDirective], context: String) throws {
        var seen: [String: ConfigDirective] = [:]
        var locations: Set<String> = []
        for d in body {
            if let rule = rules[d.key] {
                guard rule.contexts.contains(context) else {
                    throw ConfigError("\"\(d.name)\" directive is not allowed here", at: d.at)
                }
                guard rule.args.contains(d.args.count) else {
                    throw ConfigError("invalid number of arguments in \"\(d.name)\" directive", at: d.at)
                }
                if rule.single {
                    if seen[d.key] != nil { throw ConfigError("\"\(d.name)\" directive is duplicate", at: d.at) }
                    seen[d.key] = d
                }
            }
            if d.key == "location", let uri = d.args.last,
                d.args.count == 1 || d.args.first == "=" || d.args.first == "^~"
            {
                let key = (d.args.first == "=" ? "=" : "") + uri
                guard locations.insert(key).inserted else {
                    throw ConfigError("duplicate location \"\(uri)\"", at: d.at)
                }
            }
            guard let children = d.children else { continue }
            let inner: String
            switch d.key {
            case "if": inner = context == "server" ? "sif" : "lif"
            case "http", "events", "server", "location", "limit_except", "upstream": inner = d.key
            default: continue  // types, map, geo, stream…: not checked inside
            }
            try check(children, context: inner)
        }
    }
}
