import Checkup
import Evidence
import Probe
import Why401Kit
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// Where a secret comes from: never the config's own text.
public enum SecretSource: Sendable, Equatable {
    /// A file read at every probe (a rotated token or password is picked up); one trailing line
    /// break is dropped.
    case file(String)
    /// An environment variable, read when the config is loaded (the process's environment does not
    /// change afterwards).
    case environment(name: String, value: String)

    /// What the config calls it, for messages (never the value).
    var label: String {
        switch self {
        case .file(let path): "file \(path)"
        case .environment(let name, _): "environment variable \(name)"
        }
    }

    /// The secret. Throws `ProbeRefusal` (500) when the file cannot be read now.
    func value(module: String, key: String) throws -> String {
        switch self {
        case .environment(_, let value):
            return value
        case .file(let path):
            guard var text = ConfigFile.read(path, limit: 64 << 10) else {
                throw ProbeRefusal(
                    .internalServerError,
                    "module \(module): cannot read \(key) file \(path) (\(String(cString: strerror(errno))))")
            }
            // "\r\n" is one Character: one removeLast drops either line break.
            if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
            return text
        }
    }
}

/// A header a module adds to every request: a plain value, or a secret from a file or the environment.
public enum ModuleHeaderValue: Sendable, Equatable {
    case text(String)
    case secret(SecretSource)
}

/// One `headers:` entry of a module.
public struct ModuleHeader: Sendable, Equatable {
    public var name: String
    public var value: ModuleHeaderValue
}

/// One `modules:` entry: how to probe a target (method, scheme, credentials and where they may go,
/// limits). `request(for:budget:)` turns it and a target into the plan's `CheckRequest`.
public struct ProbeModule: Sendable, Equatable {
    public var name: String
    public var method = "GET"
    /// For a target given without a scheme (`host:port/path`).
    public var scheme = "https"
    public var digest = false
    public var user: String?
    public var password: SecretSource?
    public var bearer: SecretSource?
    public var headers: [ModuleHeader] = []
    /// Origins (`https://host[:port]`) this module's credentials may be sent to; required when it has any.
    public var targets: [String] = []
    public var timeout: Double = 10
    public var connectTimeout: Double = 5
    /// The whole plan; a probe is also bounded by Prometheus's scrape timeout.
    public var maxTime: Double = 30
    public var repeatCount = 3
    public var credentialBudget = 4
    public var insecureSkipVerify = false
    /// Lets the plan send an unsafe method (POST, PUT, DELETE…) more than once.
    public var unsafeMethods = false
    public var expectedAudience: String?
    public var expectedIssuer: String?

    public init(name: String) { self.name = name }

    /// Whether any request of this module carries a secret.
    public var hasCredentials: Bool {
        user != nil || password != nil || bearer != nil
            || headers.contains { if case .secret = $0.value { true } else { false } }
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }

    static let keys = [
        "method", "scheme", "digest", "user", "password_file", "password_env", "bearer_file", "bearer_env",
        "headers", "targets", "timeout", "connect_timeout", "max_time", "repeat", "max_credentialed",
        "insecure_skip_verify", "unsafe_methods", "audience", "issuer",
    ]

    /// Header names whose values are credentials: they must come from a file or the environment.
    static func isCredentialHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["authorization", "proxy-authorization", "cookie"].contains(lower)
            || ["token", "key", "secret", "auth", "session", "password"].contains { lower.contains($0) }
    }

    static func parse(
        name: String, node: Node, reader: NodeReader, environment: [String: String], directory: String
    ) throws -> ProbeModule {
        var module = ProbeModule(name: name)
        let what = "module \(name)"
        if case .scalar(let scalar) = node, scalar.string.isEmpty { return module }  // `name:` with nothing: defaults
        let entries = try reader.mapping(node, what: what)
        try reader.onlyKeys(entries, keys + ["password", "bearer"], in: what)
        func secret(_ key: String, _ value: Node, from kind: String) throws -> SecretSource {
            let text = try reader.string(value, key: key)
            if kind == "file" {
                let path = text.hasPrefix("/") ? text : directory + "/" + text
                guard ConfigFile.read(path, limit: 64 << 10) != nil else {
                    throw reader.fail(value, "\(key): cannot read \(path) (\(String(cString: strerror(errno))))")
                }
                return .file(path)
            }
            guard let found = environment[text] else {
                throw reader.fail(value, "\(key): the environment variable \(text) is not set")
            }
            return .environment(name: text, value: found)
        }
        for (key, value, line) in entries {
            switch key {
            case "password", "bearer":
                throw ConfigError(
                    path: reader.path, line: line,
                    "\(what): a secret is never written in the config; use \(key)_file: PATH or \(key)_env: NAME")
            case "method":
                let method = try reader.string(value, key: key).uppercased()
                guard !method.isEmpty, method.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                    throw reader.fail(value, "method must be a word like GET or POST")
                }
                module.method = method
            case "scheme":
                let scheme = try reader.string(value, key: key).lowercased()
                guard scheme == "http" || scheme == "https" else {
                    throw reader.fail(value, "scheme must be http or https")
                }
                module.scheme = scheme
            case "digest": module.digest = try reader.bool(value, key: key)
            case "user": module.user = try reader.string(value, key: key)
            case "password_file": module.password = try secret(key, value, from: "file")
            case "password_env": module.password = try secret(key, value, from: "env")
            case "bearer_file": module.bearer = try secret(key, value, from: "file")
            case "bearer_env": module.bearer = try secret(key, value, from: "env")
            case "headers":
                for (header, headerValue, _) in try reader.mapping(value, what: "headers") {
                    guard !header.isEmpty,
                        header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
                    else { throw reader.fail(headerValue, "header name \"\(header)\" is not a header name") }
                    if case .mapping = headerValue {
                        let source = try reader.mapping(headerValue, what: "header \(header)")
                        try reader.onlyKeys(source, ["file", "env"], in: "header \(header)")
                        guard source.count == 1, let only = source.first else {
                            throw reader.fail(headerValue, "header \(header): give one of file: PATH or env: NAME")
                        }
                        module.headers.append(
                            ModuleHeader(
                                name: header, value: .secret(try secret("header \(header)", only.value, from: only.key))
                            ))
                    } else if isCredentialHeader(header) {
                        throw reader.fail(
                            headerValue,
                            "header \(header) carries a credential: give it as {file: PATH} or {env: NAME}, "
                                + "never in the config")
                    } else {
                        module.headers.append(
                            ModuleHeader(name: header, value: .text(try reader.string(headerValue, key: header))))
                    }
                }
            case "targets":
                for (target, targetNode) in try reader.strings(value, key: key) {
                    guard let origin = Self.origin(of: target, defaultScheme: nil),
                        case .success(let parts) = URLParts.parse(target), parts.userinfo == nil,
                        parts.pathAndQuery == "/", !target.hasSuffix("/?")
                    else {
                        throw reader.fail(
                            targetNode, "targets: \"\(target)\" is not an origin like https://host[:port]")
                    }
                    module.targets.append(origin)
                }
            case "timeout": module.timeout = try reader.duration(value, key: key, range: 0.001...600)
            case "connect_timeout": module.connectTimeout = try reader.duration(value, key: key, range: 0.001...600)
            case "max_time": module.maxTime = try reader.duration(value, key: key, range: 0.001...3600)
            case "repeat": module.repeatCount = try reader.integer(value, key: key, range: 1...20)
            case "max_credentialed": module.credentialBudget = try reader.integer(value, key: key, range: 1...50)
            case "insecure_skip_verify": module.insecureSkipVerify = try reader.bool(value, key: key)
            case "unsafe_methods": module.unsafeMethods = try reader.bool(value, key: key)
            case "audience": module.expectedAudience = try reader.string(value, key: key)
            case "issuer": module.expectedIssuer = try reader.string(value, key: key)
            default: break
            }
        }
        if module.password != nil && module.user == nil {
            throw ConfigError(path: reader.path, line: node.mark?.line, "\(what): a password needs `user:` too")
        }
        if module.hasCredentials && module.targets.isEmpty {
            throw ConfigError(
                path: reader.path, line: node.mark?.line,
                "\(what) sends credentials: list the origins they may go to in `targets:` "
                    + "(e.g. targets: [https://api.example.com])")
        }
        if !["GET", "HEAD", "OPTIONS"].contains(module.method) && !module.unsafeMethods {
            throw ConfigError(
                path: reader.path, line: node.mark?.line,
                "\(what): method \(module.method) changes things on the server and the plan sends it again; "
                    + "set unsafe_methods: true to allow that")
        }
        return module
    }

    /// `scheme://host[:port]` of a URL (lowercase, default port dropped), or nil.
    static func origin(of text: String, defaultScheme: String?) -> String? {
        let url = text.contains("://") ? text : (defaultScheme.map { "\($0)://" + text } ?? text)
        guard case .success(let parts) = URLParts.parse(url), parts.scheme == "http" || parts.scheme == "https" else {
            return nil
        }
        let port = parts.port == URLParts.defaultPort(for: parts.scheme) ? "" : ":\(parts.port)"
        return "\(parts.scheme)://\(parts.bracketedHost.lowercased())\(port)"
    }

    /// The plan for one probe of `target` within `budget` seconds. Throws `ProbeRefusal`: 400 for a
    /// target that is not an http(s) URL or carries credentials, 403 when this module's credentials
    /// may not go to the target's origin, 500 when a secret file cannot be read now.
    public func request(for target: String, budget: Double) throws -> CheckRequest {
        let url = target.contains("://") ? target : "\(scheme)://\(target)"
        guard case .success(let parts) = URLParts.parse(url), parts.scheme == "http" || parts.scheme == "https" else {
            throw ProbeRefusal(.badRequest, "target must be an http or https URL (or host[:port][/path])")
        }
        if parts.userinfo != nil {
            throw ProbeRefusal(
                .badRequest, "the target URL carries credentials; a module gives them (file or environment variable)")
        }
        let origin = Self.origin(of: url, defaultScheme: nil) ?? ""
        if hasCredentials && !targets.contains(origin) {
            throw ProbeRefusal(
                .forbidden,
                "module \(name) may not send its credentials to \(origin) (its targets: "
                    + targets.joined(separator: ", ") + ")")
        }
        let seconds = max(0.001, min(maxTime, budget))
        var request = CheckRequest(url: url)
        request.method = method
        request.replayUnsafe = unsafeMethods
        request.maxTime = seconds
        request.repeatCount = repeatCount
        request.credentialBudget = credentialBudget
        request.probe.readTimeout = min(timeout, seconds)
        request.probe.deadline = min(timeout, seconds)
        request.probe.connectTimeout = min(connectTimeout, seconds)
        request.probe.insecure = insecureSkipVerify
        request.expectedAudience = expectedAudience
        request.expectedIssuer = expectedIssuer
        request.user = user
        request.password = try password?.value(module: name, key: "password")
        request.passwordMode = digest ? .digest : .basic
        request.bearer = try bearer?.value(module: name, key: "bearer")
        for header in headers {
            switch header.value {
            case .text(let text): request.headers.append(HeaderField(header.name, text))
            case .secret(let source):
                request.headers.append(
                    HeaderField(header.name, try source.value(module: name, key: "header \(header.name)")))
            }
        }
        try request.validateLimits()
        return request
    }
}

/// A probe the exporter answers with an HTTP error instead of metrics: one line, no secret.
public struct ProbeRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Status: Int, Sendable {
        case badRequest = 400
        case forbidden = 403
        case notFound = 404
        case internalServerError = 500
        case serviceUnavailable = 503
    }
    public var status: Status
    public var message: String
    public init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }
    public var description: String { message }
}
