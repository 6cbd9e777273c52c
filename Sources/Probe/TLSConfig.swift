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

    /// One human sentence for a TLS error: the BoringSSL reason code in words where we know it,
    /// else the reason code itself in lower case. Never the library's error dump, which carries
    /// build paths and internal numbers no user can act on.
    static func reason(for error: Error) -> String {
        reason(describing: String(describing: error))
    }

    static func reason(describing text: String) -> String {
        let known: [(String, String)] = [
            ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed (untrusted issuer, self-signed, or expired)"),
            ("failedToValidateHostname", "the certificate does not match the host name"),
            ("WRONG_VERSION_NUMBER", "the server speaks plain HTTP on this port (try http://)"),
            ("HTTP_REQUEST", "the server speaks plain HTTP on this port (try http://)"),
            ("TLSV1_ALERT_PROTOCOL_VERSION", "no TLS version both sides support"),
            ("UNSUPPORTED_PROTOCOL", "no TLS version both sides support"),
            (
                "SSLV3_ALERT_HANDSHAKE_FAILURE",
                "the server rejected the handshake (no common cipher, or a client certificate is required)"
            ),
            ("NO_SHARED_CIPHER", "no cipher both sides support"),
            ("TLSV13_ALERT_CERTIFICATE_REQUIRED", "the server requires a client certificate"),
            ("TLSV1_ALERT_UNRECOGNIZED_NAME", "the server does not know this host name (SNI)"),
            ("TLSV1_ALERT_INTERNAL_ERROR", "the server reported an internal TLS error"),
            ("uncleanShutdown", "the connection was closed during the handshake"),
            ("EOF during handshake", "the connection was closed during the handshake"),
            ("invalidSNIName", "the host name cannot be sent as a TLS server name"),
        ]
        for (needle, words) in known where text.contains(needle) {
            return words
        }
        // BoringSSL's own reason code: `error:…:SSL routines:OPENSSL_internal:SOME_REASON at /path…`.
        if let marker = text.firstRange(of: "OPENSSL_internal:") {
            let code = text[marker.upperBound...].prefix(while: { $0.isUppercase || $0.isNumber || $0 == "_" })
            if !code.isEmpty { return String(code.lowercased().map { $0 == "_" ? " " : $0 }) }
        }
        return "the TLS library gave no reason a person could act on"
    }
}
