// What verifying a JWS concluded, as values: the key the user gave, the verdict and why it failed.
// The verifier itself (JWTKit, swift-crypto) is `JWTVerifier` in Credentials.

/// A key to verify a JWS with, as the user gave it. Key material never appears in any description.
public enum JWTKeyInput: Sendable, Hashable {
    /// An HMAC secret, byte for byte as given (HS256/384/512). From a file, give the file's text:
    /// verification also tries it without one trailing newline (editors add one).
    case secret(String)
    /// A PEM public key, private key or certificate: RSA (RS*, PS*), EC P-256/384/521 (ES*), Ed25519 (EdDSA).
    case pem(String)
    /// A JWK Set (RFC 7517 §5) as JSON text; the key is picked by the token's `kid`.
    case jwks(String)
}

/// What verification concluded. Claims are not judged here (see `TokenInspection` in Diagnosis):
/// each claim problem is its own finding there.
public enum JWTVerification: Sendable, Hashable {
    /// The signature verifies with `key` (a description such as `RSA public key, 2048 bits`).
    case verified(algorithm: String, key: String)
    /// It verifies, but with an HMAC secret from a list of well-known weak secrets: anyone can forge tokens.
    case verifiedWithWeakSecret(algorithm: String)
    /// It does not verify, or cannot be verified with what was given.
    case failed(JWTVerificationProblem)
}

/// Why a signature did not verify. Descriptions never contain key material or the token.
public enum JWTVerificationProblem: Sendable, Hashable, CustomStringConvertible {
    /// `alg: none`: no signature at all (RFC 7518 §3.6; RFC 8725 §3.1).
    case unsigned
    /// The header has no `alg`.
    case missingAlgorithm
    /// An `alg` that no JWS verifier implements (or JWTKit does not).
    case unsupportedAlgorithm(String)
    /// The signature does not match.
    case badSignature(algorithm: String, key: String)
    /// The JWKS has no key with the token's `kid`.
    case noKeyForKid(String, available: [String])
    /// The key cannot verify this algorithm (an EC key for an RS256 token, a secret for ES256…).
    case keyDoesNotFit(algorithm: String, key: String)
    /// An HS* token checked against an RSA/EC public key used as the HMAC secret: the
    /// algorithm-confusion attack (RFC 8725 §2.1). `forged` when the HMAC actually verifies with it.
    case algorithmConfusion(algorithm: String, forged: Bool)
    /// The key given cannot be used: not a PEM key, JWKS not JSON, RSA shorter than 2048 bits…
    case unusableKey(String)

    public var description: String {
        switch self {
        case .unsigned: "alg is none: the token is unsigned"
        case .missingAlgorithm: "the header has no alg"
        case .unsupportedAlgorithm(let alg): "unsupported alg \(alg)"
        case .badSignature(let alg, let key): "\(alg) signature does not verify with the \(key)"
        case .noKeyForKid(let kid, let available):
            """
            no key with kid \(kid) in the JWKS (it has \
            \(available.isEmpty ? "no kids" : available.joined(separator: ", ")))
            """
        case .keyDoesNotFit(let alg, let key): "a token signed with \(alg) cannot be verified with an \(key)"
        case .algorithmConfusion(let alg, let forged):
            forged
                ? "\(alg) token whose HMAC verifies with a public key used as the secret: forged by algorithm confusion"
                : """
                \(alg) token checked with a public key as HMAC secret (algorithm confusion); the HMAC does not \
                verify either
                """
        case .unusableKey(let why): "unusable key: \(why)"
        }
    }
}
