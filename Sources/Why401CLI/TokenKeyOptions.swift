import ArgumentParser
import Why401Kit

/// `--secret KEY|@FILE`, `--key PEM`, `--jwks FILE|URL`: the key that verifies a JWT's signature.
/// Shared by `why401 jwt` and `why401 URL --bearer` so both read keys the same way. Key material never
/// appears in messages; a source description (`--secret @hs.key`) is what reports show.
struct TokenKeyOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("HMAC secret (HS256/384/512), or @FILE.", valueName: "KEY|@FILE"))
    var secret: String?

    @Option(
        name: .long,
        help: ArgumentHelp("PEM file with the public key (or certificate) for RS*/PS*/ES*/EdDSA.", valueName: "PEM"))
    var key: String?

    @Option(
        name: .long,
        help: ArgumentHelp("JWK Set file or http(s) URL; the key is picked by the token's kid.", valueName: "FILE|URL"))
    var jwks: String?

    func validate() throws {
        if [secret, key, jwks].compactMap({ $0 }).count > 1 {
            throw ValidationError("give at most one of --secret, --key, --jwks")
        }
    }

    /// The key source the flags name (the library reads it); nil when none is given.
    func source() throws -> TokenKeySource? {
        try TokenKeySource(secret: secret, key: key, jwks: jwks)
    }
}
