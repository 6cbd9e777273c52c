/// Why a probe produced no response. Each case is something a diagnosis can act on (DNS vs refused
/// vs TLS are different findings), so transport errors are classified instead of passed through.
///
/// Descriptions are one line and never contain header values or URLs: they end up in reports and
/// JSON, and a request's headers may carry the user's credentials.
public enum ProbeFailure: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidURL(String)
    case unsupportedScheme(String)
    case dnsFailed(host: String, reason: String)
    case connectionRefused(address: String)
    case connectTimeout(address: String)
    case tlsFailed(reason: String)
    case readTimeout
    case deadlineExceeded
    case headersTooLarge
    case protocolError(String)
    case other(String)

    public var description: String {
        let text: String
        switch self {
        case .invalidURL(let reason): text = "invalid URL: \(reason)"
        case .unsupportedScheme(let scheme): text = "unsupported scheme \"\(scheme)\" (only http and https)"
        case .dnsFailed(let host, let reason): text = "cannot resolve \(host): \(reason)"
        case .connectionRefused(let address): text = "connection refused by \(address)"
        case .connectTimeout(let address): text = "connect to \(address) timed out"
        case .tlsFailed(let reason): text = "TLS handshake failed: \(reason)"
        case .readTimeout: text = "server sent nothing within the read timeout"
        case .deadlineExceeded: text = "exchange did not finish within the deadline"
        case .headersTooLarge: text = "response header section too large"
        case .protocolError(let reason): text = "HTTP protocol error: \(reason)"
        case .other(let reason): text = reason
        }
        return ProbeFailure.oneLine(text)
    }

    /// Folds newlines and caps length so a hostile peer's text cannot forge extra report lines.
    static func oneLine(_ s: String, limit: Int = 300) -> String {
        var out = String(s.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
        if out.count > limit { out = String(out.prefix(limit)) + "…" }
        return out
    }
}
