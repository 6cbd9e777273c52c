#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a local server of why401 listens (`serve`, `exporter`, `logs --follow --metrics`): one
/// parser for `--listen`, and one answer to "is this reachable from this machine only?".
public struct ListenAddress: Sendable, Equatable {
    /// The address to bind, without brackets for IPv6 (`127.0.0.1`, `::1`, `localhost`, `0.0.0.0`).
    public var host: String
    /// The port to bind; 0 picks a free one.
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `HOST:PORT`, `[IPv6]:PORT`, `HOST` (the default port) or `:PORT`/`PORT` (loopback). Throws
    /// `AuditFailure.usage` naming `flag` for anything else.
    public static func parse(_ text: String, defaultPort: Int, flag: String = "--listen") throws -> ListenAddress {
        let bad = AuditFailure.usage(
            "\(flag) needs HOST:PORT, [IPv6]:PORT or PORT (e.g. 127.0.0.1:\(defaultPort))")
        func port(_ digits: Substring) throws -> Int {
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy(\.isASCII), let value = Int(digits),
                (0...65535).contains(value)
            else { throw bad }
            return value
        }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw bad }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard !host.isEmpty, isIPv6(host) else { throw bad }
            if rest.isEmpty { return ListenAddress(host: host, port: defaultPort) }
            guard rest.first == ":" else { throw bad }
            return ListenAddress(host: host, port: try port(rest.dropFirst()))
        }
        if !text.isEmpty, text.allSatisfy(\.isNumber) {
            return ListenAddress(host: "127.0.0.1", port: try port(text[...]))
        }
        if text.hasPrefix(":") { return ListenAddress(host: "127.0.0.1", port: try port(text.dropFirst())) }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count > 2 {
            // A bare IPv6 address (no port).
            guard isIPv6(text) else { throw bad }
            return ListenAddress(host: text, port: defaultPort)
        }
        let host = String(parts[0])
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else {
            throw bad
        }
        return ListenAddress(host: host, port: parts.count == 2 ? try port(parts[1]) : defaultPort)
    }

    /// Whether the server is reachable from this machine only (127.0.0.0/8, ::1, localhost).
    public var isLoopback: Bool {
        let lower = host.lowercased()
        if lower == "localhost" || lower == "::1" || lower == "0:0:0:0:0:0:0:1" { return true }
        var address = in_addr()
        return inet_pton(AF_INET, lower, &address) == 1 && lower.hasPrefix("127.")
    }

    /// Whether the bind address takes connections on every interface (0.0.0.0, ::).
    public var isWildcard: Bool { host == "0.0.0.0" || host == "::" || host == "0:0:0:0:0:0:0:0" }

    /// `host:port` as a URL authority (IPv6 bracketed).
    public func authority(port: Int) -> String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }

    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }
}

/// Comparing a secret the client sent with the one configured.
public enum ConstantTime {
    /// Time depends on the expected value's length only, never on where the two differ.
    public static func equal(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference: UInt8 = given.count == expected.count ? 0 : 1
        for index in expected.indices {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
