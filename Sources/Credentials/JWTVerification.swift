import CredentialModel
import Crypto
import FoundationEssentials
import JWTKit
import _CryptoExtras

public enum JWTVerifier {
    /// Secrets from tutorials, defaults and wordlists (jwt.io's example, framework defaults). A token
    /// that verifies with one of them can be forged by anyone. Kept small: this is a lint, not a cracker.
    public static let weakSecrets: [String] = [
        "secret", "password", "changeme", "your-256-bit-secret", "your-384-bit-secret", "your-512-bit-secret",
        "jwt-secret", "jwt_secret", "jwtsecret", "secretkey", "secret-key", "secret_key", "mysecret", "my-secret",
        "supersecret", "super-secret", "shhhhh", "123456", "12345678", "admin", "test", "key", "default", "qwerty",
        "your_jwt_secret", "changeit", "s3cr3t", "keyboard cat",
    ]

    static let hmacAlgorithms = ["HS256", "HS384", "HS512"]

    /// Verifies the signature of `token` (compact JWS) with `key`. Never throws: every failure is a value.
    public static func verify(_ token: String, header: [String: JSONScalarTree], key: JWTKeyInput) async
        -> JWTVerification
    {
        let token = trimmed(token)
        guard let alg = header["alg"]?.string else { return .failed(.missingAlgorithm) }
        if alg.lowercased() == "none" { return .failed(.unsigned) }
        let kid = header["kid"]?.string
        switch key {
        case .secret(let secret):
            return await verifySecret(token, alg: alg, secret: secret)
        case .pem(let pem):
            if hmacAlgorithms.contains(alg) {
                // The token asks for HMAC but the verifier holds a public key: a naive library would use
                // the PEM text as the HMAC secret, which is exactly what an attacker forges against.
                return .failed(
                    .algorithmConfusion(
                        algorithm: alg, forged: await hmacVerifies(token, alg: alg, secrets: pemSecretCandidates(pem))))
            }
            switch PublicKey.parse(pem) {
            case .failure(let why): return .failed(.unusableKey(why.message))
            case .success(let key): return await verify(token, alg: alg, key: key)
            }
        case .jwks(let json):
            return await verifyJWKS(token, alg: alg, kid: kid, json: json)
        }
    }

    /// For an HS* token and no key: does one of the well-known weak secrets verify it?
    public static func weakSecretVerifies(_ token: String, header: [String: JSONScalarTree]) async -> Bool {
        guard let alg = header["alg"]?.string, hmacAlgorithms.contains(alg) else { return false }
        return await hmacVerifies(trimmed(token), alg: alg, secrets: weakSecrets)
    }

    /// Is this text a PEM public key or certificate (given where an HMAC secret was expected)?
    public static func looksLikePublicKeyPEM(_ text: String) -> Bool {
        text.contains("-----BEGIN") && (text.contains("PUBLIC KEY-----") || text.contains("CERTIFICATE-----"))
    }

    // MARK: - HMAC

    static func verifySecret(_ token: String, alg: String, secret: String) async -> JWTVerification {
        let candidates = secretCandidates(secret)
        if looksLikePublicKeyPEM(secret) {
            guard hmacAlgorithms.contains(alg) else {
                return .failed(
                    .keyDoesNotFit(algorithm: alg, key: "HMAC secret (a PEM key given as --secret; use --key)"))
            }
            return .failed(
                .algorithmConfusion(algorithm: alg, forged: await hmacVerifies(token, alg: alg, secrets: candidates)))
        }
        guard hmacAlgorithms.contains(alg) else {
            if JWK.Algorithm(rawValue: alg) == nil { return .failed(.unsupportedAlgorithm(alg)) }
            return .failed(.keyDoesNotFit(algorithm: alg, key: "HMAC secret"))
        }
        guard await hmacVerifies(token, alg: alg, secrets: candidates) else {
            return .failed(.badSignature(algorithm: alg, key: "HMAC secret given (\(secret.utf8.count) bytes)"))
        }
        if candidates.contains(where: weakSecrets.contains) { return .verifiedWithWeakSecret(algorithm: alg) }
        return .verified(algorithm: alg, key: "HMAC secret (\(secret.utf8.count) bytes)")
    }

    /// The secret as given, and without one trailing newline if it has one.
    static func secretCandidates(_ secret: String) -> [String] {
        var out = [secret]
        if secret.hasSuffix("\r\n") {
            out.append(String(secret.dropLast(2)))
        } else if secret.hasSuffix("\n") {
            out.append(String(secret.dropLast()))
        }
        return out
    }

    /// A PEM used as an HMAC secret by a confused verifier: as given, with and without a final newline.
    static func pemSecretCandidates(_ pem: String) -> [String] {
        var out = secretCandidates(pem)
        if !pem.hasSuffix("\n") { out.append(pem + "\n") }
        return out
    }

    static func hmacVerifies(_ token: String, alg: String, secrets: [String]) async -> Bool {
        let digest: DigestAlgorithm =
            switch alg {
            case "HS384": .sha384
            case "HS512": .sha512
            default: .sha256
            }
        let hashSize = alg == "HS384" ? 48 : alg == "HS512" ? 64 : 32
        for secret in secrets {
            // JWTKit asserts (and will require) keys at least as long as the hash. RFC 2104 pads a key
            // shorter than the hash's block size with zero bytes, so padding it to the hash size first
            // gives the very same MAC: short (weak) secrets still verify exactly as other libraries do.
            var bytes = Array(secret.utf8)
            if bytes.count < hashSize { bytes += [UInt8](repeating: 0, count: hashSize - bytes.count) }
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: bytes), digestAlgorithm: digest)
            if await verifies(token, with: keys) { return true }
        }
        return false
    }

    // MARK: - PEM keys

    enum PublicKey {
        case rsa(JWTKit.Insecure.RSA.PublicKey, bits: Int)
        case rsaPrivate(JWTKit.Insecure.RSA.PrivateKey)
        case es256(ES256PublicKey)
        case es384(ES384PublicKey)
        case es512(ES512PublicKey)
        case es256Private(ES256PrivateKey)
        case es384Private(ES384PrivateKey)
        case es512Private(ES512PrivateKey)
        case ed25519(EdDSA.PublicKey)
        case ed25519Private(EdDSA.PrivateKey)

        var description: String {
            switch self {
            case .rsa(_, let bits): "RSA public key (\(bits) bits)"
            case .rsaPrivate: "RSA private key"
            case .es256, .es256Private: "EC P-256 key"
            case .es384, .es384Private: "EC P-384 key"
            case .es512, .es512Private: "EC P-521 key"
            case .ed25519, .ed25519Private: "Ed25519 key"
            }
        }

        /// The algorithms this key can verify.
        var algorithms: [String] {
            switch self {
            case .rsa, .rsaPrivate: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
            case .es256, .es256Private: ["ES256"]
            case .es384, .es384Private: ["ES384"]
            case .es512, .es512Private: ["ES512"]
            case .ed25519, .ed25519Private: ["EdDSA"]
            }
        }

        static func parse(_ pem: String) -> Result<PublicKey, KeyProblem> {
            guard pem.contains("-----BEGIN") else { return .failure(KeyProblem("not a PEM key (no -----BEGIN line)")) }
            if pem.contains("CERTIFICATE-----") {
                if let key = try? JWTKit.Insecure.RSA.PublicKey(certificatePEM: pem) {
                    return .success(.rsa(key, bits: 0))
                }
                if let key = try? ES256PublicKey(certificate: pem) { return .success(.es256(key)) }
                if let key = try? ES384PublicKey(certificate: pem) { return .success(.es384(key)) }
                if let key = try? ES512PublicKey(certificate: pem) { return .success(.es512(key)) }
                return .failure(KeyProblem("a certificate whose key is not RSA (2048 bits or more) or EC"))
            }
            if let key = try? JWTKit.Insecure.RSA.PublicKey(pem: pem) { return .success(.rsa(key, bits: rsaBits(pem))) }
            if let key = try? ES256PublicKey(pem: pem) { return .success(.es256(key)) }
            if let key = try? ES384PublicKey(pem: pem) { return .success(.es384(key)) }
            if let key = try? ES512PublicKey(pem: pem) { return .success(.es512(key)) }
            if let key = try? EdDSA.PublicKey(pem: pem) { return .success(.ed25519(key)) }
            if let key = try? JWTKit.Insecure.RSA.PrivateKey(pem: pem) { return .success(.rsaPrivate(key)) }
            if let key = try? ES256PrivateKey(pem: pem) { return .success(.es256Private(key)) }
            if let key = try? ES384PrivateKey(pem: pem) { return .success(.es384Private(key)) }
            if let key = try? ES512PrivateKey(pem: pem) { return .success(.es512Private(key)) }
            if let key = try? EdDSA.PrivateKey(pem: pem) { return .success(.ed25519Private(key)) }
            if (try? _RSA.Signing.PublicKey(unsafePEMRepresentation: pem)) != nil {
                return .failure(
                    KeyProblem("an RSA key shorter than 2048 bits (refused: RFC 7518 §3.3 requires 2048 or more)"))
            }
            return .failure(KeyProblem("a PEM block that is not an RSA, EC (P-256/384/521) or Ed25519 key"))
        }

        static func rsaBits(_ pem: String) -> Int {
            (try? _RSA.Signing.PublicKey(pemRepresentation: pem))?.keySizeInBits ?? 0
        }
    }

    static func verify(_ token: String, alg: String, key: PublicKey) async -> JWTVerification {
        guard JWK.Algorithm(rawValue: alg) != nil, alg != "RSA-OAEP" else { return .failed(.unsupportedAlgorithm(alg)) }
        guard key.algorithms.contains(alg) else { return .failed(.keyDoesNotFit(algorithm: alg, key: key.description)) }
        let keys = JWTKeyCollection()
        let digest: DigestAlgorithm = alg.hasSuffix("384") ? .sha384 : alg.hasSuffix("512") ? .sha512 : .sha256
        switch key {
        case .rsa(let k, _):
            alg.hasPrefix("PS")
                ? await keys.add(pss: k, digestAlgorithm: digest) : await keys.add(rsa: k, digestAlgorithm: digest)
        case .rsaPrivate(let k):
            alg.hasPrefix("PS")
                ? await keys.add(pss: k, digestAlgorithm: digest) : await keys.add(rsa: k, digestAlgorithm: digest)
        case .es256(let k): await keys.add(ecdsa: k)
        case .es384(let k): await keys.add(ecdsa: k)
        case .es512(let k): await keys.add(ecdsa: k)
        case .es256Private(let k): await keys.add(ecdsa: k)
        case .es384Private(let k): await keys.add(ecdsa: k)
        case .es512Private(let k): await keys.add(ecdsa: k)
        case .ed25519(let k): await keys.add(eddsa: k)
        case .ed25519Private(let k): await keys.add(eddsa: k)
        }
        return await verifies(token, with: keys)
            ? .verified(algorithm: alg, key: key.description)
            : .failed(.badSignature(algorithm: alg, key: key.description))
    }

    // MARK: - JWKS

    static func verifyJWKS(_ token: String, alg: String, kid: String?, json: String) async -> JWTVerification {
        guard let jwks = try? JSONDecoder().decode(JWKS.self, from: Data(json.utf8)) else {
            return .failed(.unusableKey("the JWKS is not a JSON object with a \"keys\" array of JWKs"))
        }
        let kids = jwks.keys.compactMap { $0.keyIdentifier?.string }
        var candidates: [JWK]
        if let kid {
            candidates = jwks.keys.filter { $0.keyIdentifier?.string == kid }
            if candidates.isEmpty { return .failed(.noKeyForKid(kid, available: kids)) }
        } else {
            // No kid in the token: a verifier tries the keys that can do this alg.
            candidates = jwks.keys
        }
        if hmacAlgorithms.contains(alg) {
            return .failed(
                .keyDoesNotFit(
                    algorithm: alg,
                    key: "JWKS public key (JWKS keys are public: HS* tokens need the shared secret, --secret)"))
        }
        guard let wanted = JWK.Algorithm(rawValue: alg), alg != "RSA-OAEP" else {
            return .failed(.unsupportedAlgorithm(alg))
        }
        var mismatch: String?
        for var jwk in candidates {
            let name = "JWKS key" + (jwk.keyIdentifier.map { " kid \($0.string)" } ?? "") + " (\(jwk.keyType.rawValue))"
            if let keyAlg = jwk.algorithm, keyAlg != wanted {
                mismatch = "\(name) with alg \(keyAlg.rawValue)"
                continue
            }
            // A JWK without alg would get a signer built from the header and cached per kid: give it
            // explicitly, in a collection of its own.
            jwk.algorithm = wanted
            var identified = jwk
            if identified.keyIdentifier == nil { identified.keyIdentifier = JWKIdentifier(string: "_") }
            let keys = JWTKeyCollection()
            do {
                try await keys.add(jwk: identified)
            } catch {
                mismatch = "\(name), which cannot verify \(alg)"
                continue
            }
            if await verifies(token, with: keys) { return .verified(algorithm: alg, key: name) }
            if candidates.count == 1 { return .failed(.badSignature(algorithm: alg, key: name)) }
        }
        if let mismatch, candidates.count == 1 { return .failed(.keyDoesNotFit(algorithm: alg, key: mismatch)) }
        return .failed(
            .badSignature(
                algorithm: alg,
                key: kid == nil
                    ? "\(candidates.count) JWKS keys (the token has no kid)"
                    : "\(candidates.count) JWKS keys with kid \(kid!)"))
    }

    // MARK: -

    /// Verification of the signature only: the payload type accepts any claims and checks none.
    static func verifies(_ token: String, with keys: JWTKeyCollection) async -> Bool {
        (try? await keys.verify(token, as: UncheckedClaims.self)) != nil
    }

    static func trimmed(_ token: String) -> String {
        String(token.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

/// A payload that decodes anything and validates nothing: claims are judged one by one elsewhere.
struct UncheckedClaims: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

struct KeyProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
