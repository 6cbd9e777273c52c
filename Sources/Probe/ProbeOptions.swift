/// Limits and switches for every probe a `Prober` sends.
///
/// Every limit exists because the tool talks to servers it does not trust: a server that never
/// answers, dribbles bytes, or sends endless headers must end in a clear failure within bounded
/// time and memory (hostile servers end in a clear message, never a hang).
public struct ProbeOptions: Sendable {
    /// Seconds allowed for the TCP connect.
    public var connectTimeout: Double = 5
    /// Seconds without a single byte from the server (TLS handshake included) before `readTimeout`.
    public var readTimeout: Double = 10
    /// Seconds for the whole exchange, DNS to last body byte: bounds a server that dribbles.
    public var deadline: Double = 30
    /// Accept any certificate (curl `-k`). Off by default: a certificate problem is itself a finding.
    public var insecure = false
    /// `"host:port"` → addresses, like curl `--resolve`: probe a name at a chosen address while the
    /// Host header and SNI keep the name. IPv6 keys are bracketed: `"[::1]:443"`.
    public var resolve: [String: [String]] = [:]
    /// Body bytes kept. Once reached the connection is closed instead of reading on: 64 KiB is
    /// plenty to fingerprint an error page and a 10 GB download must not be read.
    public var maxBodyBytes = 65_536
    /// Largest response header section accepted; beyond it the probe fails with `headersTooLarge`.
    public var maxHeaderBytes = 256 * 1024
    /// Sent unless the request already has a User-Agent (some WAFs answer 401/403 by agent).
    public var userAgent = "why401/0.1"
    /// Offer ALPN `h2` on https and speak HTTP/2 when the server picks it: a 401 may depend on the
    /// protocol (e.g. a proxy that strips headers only on one of them).
    public var preferHTTP2 = true

    public init() {}
}
