import NIOCore
import NIOSSL

/// TLS client settings and the translation of TLS errors into reasons a user can act on.
enum TLSConfig {
    /// Verification stays on unless the user asked for `-k`: an untrusted certificate is itself a
    /// finding (the user's client would fail too), not noise to hide.
    static func makeContext(insecure: Bool, offerH2: Bool) throws -> NIOSSLContext {
        var config = TLSConfiguration.makeClientConfiguration()
        if insecure { config.certificateVerification = .none }
        config.applicationProtocols = offerH2 ? ["h2", "http/1.1"] : ["http/1.1"]
        return try NIOSSLContext(configuration: config)
    }

    /// SNI carries the name from the URL (even when connecting to a chosen address); IP literals
    /// are not allowed in SNI (RFC 6066 §3), so they get none.
    static func serverName(for host: String) -> String? {
        Resolver.isIPLiteral(host) ? nil : host
    }

    /// A short reason for a TLS error: the BoringSSL reason code in words where we know it.
    static func reason(for error: Error) -> String {
        let text = String(describing: error)
        let known: [(String, String)] = [
            ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed (untrusted issuer, self-signed, or expired)"),
            ("failedToValidateHostname", "certificate does not match the host name"),
            ("WRONG_VERSION_NUMBER", "wrong version number (is this port speaking plain HTTP?)"),
            ("TLSV1_ALERT_PROTOCOL_VERSION", "no common TLS version"),
            ("SSLV3_ALERT_HANDSHAKE_FAILURE", "server rejected the handshake (no common cipher or a client certificate required)"),
            ("TLSV13_ALERT_CERTIFICATE_REQUIRED", "server requires a client certificate"),
            ("uncleanShutdown", "connection closed during the handshake"),
            ("EOF during handshake", "connection closed during the handshake"),
        ]
        for (needle, words) in known where text.contains(needle) {
            return "\(words); \(text)"
        }
        return text
    }
}
