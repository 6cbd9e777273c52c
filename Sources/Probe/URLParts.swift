/// A small, pure split of an absolute http(s) URL into the parts a probe needs.
///
/// Why not Foundation's `URL`: it accepts many things a server never sees (relative references,
/// spaces after percent-encoding, odd schemes), pulls in full Foundation, and does not say *why*
/// a URL is unusable. A diagnosis tool must reject garbage with a one-line reason instead, and must
/// never echo the URL back in that reason (its userinfo may hold a password).
public struct URLParts: Sendable, Hashable {
    /// `http` or `https`, lowercased.
    public var scheme: String
    /// `user:password` before the `@`, exactly as written (percent-encoded). Never sent by the
    /// prober: the caller decides whether it becomes an Authorization header.
    public var userinfo: String?
    /// Host name lowercased, or an IP literal; IPv6 without brackets (`::1`).
    public var host: String
    /// Port to connect to: explicit, or 80/443 by scheme.
    public var port: Int
    /// True when the URL spelled the port out (it then belongs in the Host header even if default).
    public var hasExplicitPort: Bool
    /// Path and query as sent on the request line (`/` when the URL had none). The fragment is dropped:
    /// it never goes to the server.
    public var pathAndQuery: String

    public init(scheme: String, userinfo: String? = nil, host: String, port: Int? = nil, pathAndQuery: String = "/") {
        self.scheme = scheme.lowercased()
        self.userinfo = userinfo
        self.host = host
        self.port = port ?? URLParts.defaultPort(for: scheme.lowercased())
        self.hasExplicitPort = port != nil
        self.pathAndQuery = pathAndQuery
    }

    public var isTLS: Bool { scheme == "https" }
    public var isIPv6Literal: Bool { host.contains(":") }
    /// The host as it appears in a URL or Host header: IPv6 literals in brackets.
    public var bracketedHost: String { isIPv6Literal ? "[\(host)]" : host }
    /// Value of the Host header: port only when it is not the scheme's default (as curl does).
    public var hostHeader: String {
        port == URLParts.defaultPort(for: scheme) ? bracketedHost : "\(bracketedHost):\(port)"
    }
    /// `scheme://host[:port]`, the unit of the same-origin rule (credentials never cross it).
    public var origin: String { "\(scheme)://\(hostHeader)" }
    /// `host:port` key as used by `ProbeOptions.resolve` (curl `--resolve` style, IPv6 bracketed).
    public var resolveKey: String { "\(bracketedHost):\(port)" }

    public static func defaultPort(for scheme: String) -> Int { scheme == "https" ? 443 : 80 }

    /// Parses an absolute `http://` or `https://` URL.
    /// - Returns: `.invalidURL(reason)` or `.unsupportedScheme(scheme)`; the reason never contains the URL.
    public static func parse(_ text: String) -> Result<URLParts, ProbeFailure> {
        let url = text.trimmingASCIIWhitespace()
        if url.isEmpty { return .failure(.invalidURL("empty URL")) }
        if url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return .failure(.invalidURL("URL contains spaces or control characters"))
        }
        guard let sep = url.firstRange(of: "://") else {
            return .failure(.invalidURL("not an absolute URL (no scheme://)"))
        }
        let scheme = url[..<sep.lowerBound].lowercased()
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return .failure(.invalidURL("malformed scheme")) }
        guard scheme == "http" || scheme == "https" else {
            return .failure(.unsupportedScheme(String(scheme.prefix(20))))
        }
        let rest = url[sep.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]
        if let hash = tail.firstIndex(of: "#") { tail = tail[..<hash] }
        var pathAndQuery = String(tail)
        if pathAndQuery.isEmpty || pathAndQuery.first == "?" { pathAndQuery = "/" + pathAndQuery }

        var userinfo: String?
        if let at = authority.lastIndex(of: "@") {
            userinfo = String(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        var host: Substring
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(.invalidURL("unterminated IPv6 literal"))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { return .failure(.invalidURL("garbage after IPv6 literal")) }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.contains(":"),
                host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." || $0 == "%" })
            else { return .failure(.invalidURL("malformed IPv6 literal")) }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                host = authority
            }
            guard !host.isEmpty else { return .failure(.invalidURL("empty host")) }
            // RFC 3986 reg-name / IPv4: unreserved, pct-encoded and sub-delims; we accept the
            // practical subset that DNS and /etc/hosts can name.
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }) else {
                return .failure(.invalidURL("invalid character in host"))
            }
        }
        var port: Int?
        if let portText {
            // An empty port ("host:") means the default, as RFC 3986 allows.
            if !portText.isEmpty {
                guard portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                    let p = Int(portText), (1...65535).contains(p)
                else { return .failure(.invalidURL("bad port")) }
                port = p
            }
        }
        return .success(
            URLParts(
                scheme: scheme, userinfo: userinfo, host: host.lowercased(), port: port,
                pathAndQuery: pathAndQuery))
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isWS: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isWS($0) }), let end = lastIndex(where: { !isWS($0) }) else { return "" }
        return String(self[start...end])
    }
}
