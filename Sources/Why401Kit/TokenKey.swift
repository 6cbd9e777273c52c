import CredentialModel
import Evidence
import HTTPAuth
import Probe

/// Where the key that verifies a JWT's signature comes from, as a front end names it. The messages
/// of a key that cannot be read name the source (`--secret @hs.key: … is empty`), never key material;
/// `description` is what reports show as the key's origin.
///
/// A front end chooses which sources it offers: the CLI all of them (`init(secret:key:jwks:)` maps
/// its flags), a web API only the ones that read nothing from this machine's disk.
public enum TokenKeySource: Sendable, Hashable, CustomStringConvertible {
    /// An HMAC secret (HS256/384/512) given as text (`--secret KEY`).
    case secret(String)
    /// An HMAC secret in a file (`--secret @FILE`), read whole.
    case secretFile(String)
    /// A PEM public key, private key or certificate given as text (`--key '-----BEGIN …'`).
    case pem(String)
    /// A PEM file (`--key FILE`).
    case pemFile(String)
    /// A JWK Set given as text; the key is picked by the token's `kid`.
    case jwks(String)
    /// A JWK Set file (`--jwks FILE`).
    case jwksFile(String)
    /// A JWK Set fetched over http(s), without credentials (`--jwks URL`).
    case jwksURL(String)

    /// The CLI's `--secret KEY|@FILE`, `--key PEM|FILE|@FILE`, `--jwks FILE|URL`: nil when none is
    /// given; `AuditFailure.usage` when more than one is.
    public init?(secret: String?, key: String?, jwks: String?) throws {
        if [secret, key, jwks].compactMap({ $0 }).count > 1 {
            throw AuditFailure.usage("give at most one of --secret, --key, --jwks")
        }
        if let secret {
            self = secret.hasPrefix("@") ? .secretFile(String(secret.dropFirst())) : .secret(secret)
        } else if let key {
            if key.hasPrefix("-----BEGIN") {
                self = .pem(key)
            } else {
                self = .pemFile(key.hasPrefix("@") ? String(key.dropFirst()) : key)
            }
        } else if let jwks {
            let lower = jwks.lowercased()
            if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
                self = .jwksURL(jwks)
            } else {
                self = .jwksFile(jwks.hasPrefix("@") ? String(jwks.dropFirst()) : jwks)
            }
        } else {
            return nil
        }
    }

    /// Where the key came from, for reports: `--secret`, `--secret @hs.key`, `--key key.pem`,
    /// `--jwks https://idp.example/jwks.json` (masked). Never key material.
    public var description: String {
        switch self {
        case .secret: "--secret"
        case .secretFile(let path): "--secret @\(path)"
        case .pem: "--key (PEM given inline)"
        case .pemFile(let path): "--key \(path)"
        case .jwks: "--jwks (JWK Set given inline)"
        case .jwksFile(let path): "--jwks \(path)"
        case .jwksURL(let url): "--jwks \(SecretMasking.maskURL(url))"
        }
    }

    /// The URL of a JWK Set to fetch, when that is the source.
    public var url: String? {
        if case .jwksURL(let url) = self { return url }
        return nil
    }
}

/// A key read and ready for the verifier, with the description of where it came from.
public struct TokenKey: Sendable {
    public var key: JWTKeyInput
    public var source: String

    public init(key: JWTKeyInput, source: String) {
        self.key = key
        self.source = source
    }
}

extension UseCase {
    /// The key from a source on this machine (text or a file); nil for a JWKS URL, which is fetched
    /// (`readTokenKey`, or by the check plan as one of its steps). Throws `AuditFailure`: `.usage` for
    /// an empty secret, `.incomplete` for a file that cannot be read or is empty.
    public static func localTokenKey(_ source: TokenKeySource) throws -> TokenKey? {
        let what = source.description
        switch source {
        case .secret(let text):
            if text.isEmpty { throw AuditFailure.usage("--secret: the secret is empty") }
            return TokenKey(key: .secret(text), source: what)
        case .secretFile(let path):
            let text = try InputFile.text(path, what: "--secret")
            if text.isEmpty { throw AuditFailure.incomplete("--secret: \(path) is empty") }
            return TokenKey(key: .secret(text), source: what)
        case .pem(let text):
            return TokenKey(key: .pem(text), source: what)
        case .pemFile(let path):
            return TokenKey(key: .pem(try InputFile.text(path, what: "--key")), source: what)
        case .jwks(let text):
            return TokenKey(key: .jwks(text), source: what)
        case .jwksFile(let path):
            return TokenKey(key: .jwks(try InputFile.text(path, what: "--jwks")), source: what)
        case .jwksURL:
            return nil
        }
    }

    /// The key, fetching a JWKS URL with the prober (no credentials, bounded by `timeout` seconds).
    /// A URL that fails, answers other than 200 or never answers is `AuditFailure.incomplete`.
    public static func readTokenKey(_ source: TokenKeySource, timeout: Double, insecure: Bool = false) async throws
        -> TokenKey
    {
        if let local = try localTokenKey(source) { return local }
        guard let url = source.url else { preconditionFailure("only a JWKS URL has no local key") }
        return TokenKey(
            key: .jwks(try await fetchJWKS(url, timeout: timeout, insecure: insecure)), source: source.description)
    }

    static func fetchJWKS(_ url: String, timeout: Double, insecure: Bool) async throws -> String {
        var options = ProbeOptions()
        options.connectTimeout = min(timeout, 10)
        options.readTimeout = timeout
        options.deadline = timeout
        options.insecure = insecure
        options.maxBodyBytes = InputFile.smallLimit
        let prober = Prober(options: options)
        let result = await prober.send(
            ProbeRequest(url: url, headers: [HeaderField("Accept", "application/json")], purpose: "JWKS"))
        await prober.shutdown()
        let shown = SecretMasking.maskURL(url)
        guard let response = result.exchange.response else {
            throw AuditFailure.incomplete("--jwks \(shown): \(result.exchange.failure ?? "no response")")
        }
        guard response.status == 200 else {
            throw AuditFailure.incomplete("--jwks \(shown): answered \(response.status), not 200")
        }
        return String(decoding: result.body, as: UTF8.self)
    }
}
