import Why401Kit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `why401 serve` listens on and how it is locked down: the address, the access token, the
/// time limit of a live check and the body size caps.
public struct ServeConfiguration: Sendable {
    /// The address to bind, without brackets for IPv6 (`127.0.0.1`, `::1`, `localhost`, `0.0.0.0`).
    public var host: String
    /// The port to bind; 0 picks a free one (the start line names it).
    public var port: Int
    /// The Bearer token every request must carry (and that the page asks for once); required when
    /// `host` is not loopback. Never printed.
    public var token: String?
    /// Seconds a live check may take in all (the CLI's `--max-time`), 1–3600.
    public var maxTime: Double
    /// Largest JSON or form body, in bytes (1 MiB).
    public var bodyLimit: Int
    /// Largest HAR body (JSON API or upload), in bytes (32 MiB).
    public var harLimit: Int
    /// The version shown in the page's footer.
    public var version: String

    /// The shortest token accepted: a guessable token would be the only thing between the network and
    /// requests sent with the user's credentials.
    public static let minimumTokenLength = 16

    /// `listen` is `HOST:PORT`, `[IPv6]:PORT`, `HOST` (port 8400) or `:PORT`/`PORT` (loopback).
    /// Throws `ServeFailure` (a usage error) for a malformed address, a bad limit, a short token, or
    /// a non-loopback address without a token.
    public init(listen: String = "127.0.0.1:8400", token: String? = nil, maxTime: Double = 60, version: String = "")
        throws
    {
        (host, port) = try Self.parseListen(listen)
        self.token = token
        self.maxTime = maxTime
        self.bodyLimit = 1 << 20
        self.harLimit = 32 << 20
        self.version = version
        if !(maxTime > 0 && maxTime <= 3600) { throw ServeFailure("--max-time must be between 0 and 3600 seconds") }
        if let token {
            if token.utf8.count < Self.minimumTokenLength || token.contains(where: { $0.isWhitespace }) {
                throw ServeFailure(
                    "--token must be at least \(Self.minimumTokenLength) characters without spaces "
                        + "(e.g. openssl rand -hex 16)")
            }
        } else if !isLoopback {
            throw ServeFailure(
                "--listen \(listen) is not a loopback address: anyone who can reach it could make this machine send "
                    + "requests with the credentials typed into the page; give --token TOKEN (Bearer) as well")
        }
    }

    /// Whether the server is reachable from this machine only (127.0.0.0/8, ::1, localhost).
    public var isLoopback: Bool { address.isLoopback }

    /// Whether the bind address takes connections on every interface (0.0.0.0, ::).
    public var isWildcard: Bool { address.isWildcard }

    var address: ListenAddress { ListenAddress(host: host, port: port) }

    static func parseListen(_ text: String) throws -> (String, Int) {
        do {
            let address = try ListenAddress.parse(text, defaultPort: 8400)
            return (address.host, address.port)
        } catch let failure as AuditFailure {
            throw ServeFailure(failure.message)
        }
    }

    /// `host:port` as a URL authority (IPv6 bracketed).
    func authority(port: Int) -> String { address.authority(port: port) }
}

/// A configuration `why401 serve` refuses, or an address it cannot listen on: one line, no secret.
public struct ServeFailure: Error, CustomStringConvertible, Sendable {
    /// The reason, one line.
    public var message: String
    /// The reason, as printed.
    public var description: String { message }
    /// A reason, one line.
    public init(_ message: String) { self.message = message }
}
