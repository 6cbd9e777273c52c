import ArgumentParser
import Credentials
import Evidence
import HTTPAuth
import Probe

/// `--secret KEY|@FILE`, `--key PEM`, `--jwks FILE|URL`: the key that verifies a JWT's signature.
/// Shared by `why401 jwt` and `why401 URL --bearer` so both read keys the same way. Key material never
/// appears in messages; a source description (`--secret @hs.key`) is what reports show.
struct TokenKeyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("HMAC secret (HS256/384/512), or @FILE.", valueName: "KEY|@FILE"))
    var secret: String?

    @Option(name: .long, help: ArgumentHelp("PEM file with the public key (or certificate) for RS*/PS*/ES*/EdDSA.", valueName: "PEM"))
    var key: String?

    @Option(name: .long, help: ArgumentHelp("JWK Set file or http(s) URL; the key is picked by the token's kid.", valueName: "FILE|URL"))
    var jwks: String?

    func validate() throws {
        if [secret, key, jwks].compactMap({ $0 }).count > 1 { throw ValidationError("give at most one of --secret, --key, --jwks") }
    }

    /// `--jwks` when it is an http(s) URL (fetched over the network, without credentials).
    var jwksURL: String? {
        guard let jwks else { return nil }
        let lower = jwks.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://") ? jwks : nil
    }

    /// The key given as an argument or a file, and where it came from; nil for none and for a JWKS URL.
    func localKey() throws -> (key: JWTKeyInput, source: String)? {
        if let secret {
            if secret.hasPrefix("@") {
                let path = String(secret.dropFirst())
                let text = try SecretInput.readSmallFile(path, what: "--secret")
                if text.isEmpty { throw CLIFailure.incomplete("--secret: \(path) is empty") }
                return (.secret(text), "--secret @\(path)")
            }
            if secret.isEmpty { throw CLIFailure.usage("--secret: the secret is empty") }
            return (.secret(secret), "--secret")
        }
        if let key {
            if key.hasPrefix("-----BEGIN") { return (.pem(key), "--key (PEM given inline)") }
            let path = key.hasPrefix("@") ? String(key.dropFirst()) : key
            return (.pem(try SecretInput.readSmallFile(path, what: "--key")), "--key \(path)")
        }
        if let jwks, jwksURL == nil {
            let path = jwks.hasPrefix("@") ? String(jwks.dropFirst()) : jwks
            return (.jwks(try SecretInput.readSmallFile(path, what: "--jwks")), "--jwks \(path)")
        }
        return nil
    }

    /// The key, fetching a JWKS URL with the prober (no credentials, bounded by `timeout` seconds).
    /// A URL that fails or never answers is exit 3 with one line.
    func read(timeout: Double, insecure: Bool = false) async throws -> (key: JWTKeyInput, source: String)? {
        if let local = try localKey() { return local }
        guard let url = jwksURL else { return nil }
        return (.jwks(try await Self.fetchJWKS(url, timeout: timeout, insecure: insecure)), "--jwks \(SecretMasking.maskURL(url))")
    }

    static func fetchJWKS(_ url: String, timeout: Double, insecure: Bool) async throws -> String {
        var options = ProbeOptions()
        options.connectTimeout = min(timeout, 10)
        options.readTimeout = timeout
        options.deadline = timeout
        options.insecure = insecure
        options.maxBodyBytes = SecretInput.maximumSize
        let prober = Prober(options: options)
        let result = await prober.send(ProbeRequest(url: url, headers: [HeaderField("Accept", "application/json")], purpose: "JWKS"))
        await prober.shutdown()
        let shown = SecretMasking.maskURL(url)
        guard let response = result.exchange.response else {
            throw CLIFailure.incomplete("--jwks \(shown): \(result.exchange.failure ?? "no response")")
        }
        guard response.status == 200 else { throw CLIFailure.incomplete("--jwks \(shown): answered \(response.status), not 200") }
        return String(decoding: result.body, as: UTF8.self)
    }
}
