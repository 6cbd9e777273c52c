import ArgumentParser
import Diagnosis
import Report
import Why401Kit

/// `why401 jwt TOKEN|@FILE|-`: decodes a JWT, checks its times, audience and issuer, and verifies its
/// signature with a secret, a PEM key or a JWKS file. Offline. The token and the secret never appear
/// in the output: the subject is masked and the signature part is never printed.
struct JWTCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jwt",
        abstract: "Decode a JWT, check exp/nbf/iat/aud/iss, and verify its signature.",
        discussion: """
            Give the token as an argument, as @FILE (one trailing newline is ignored), or '-' to read it \
            from stdin (preferred: argv shows in 'ps'). why401 prints the header and the claims with every \
            time in UTC and relative to now, then the problems: expired, not yet valid (nbf/iat in the \
            future, beyond --leeway), wrong audience or issuer, alg none, and — with a key — a signature \
            that does not verify.

            Keys (at most one):
              --secret KEY|@FILE   HMAC secret for HS256/384/512
              --key FILE.pem       public key, private key or certificate: RS*, PS*, ES256/384/512, EdDSA
              --jwks FILE|URL      a JWK Set, key picked by kid (a URL is fetched within --timeout)

            An HS* token is also checked against a short list of well-known weak secrets (a warning when one \
            verifies), and an RSA/EC public key given as --secret is reported as algorithm confusion.

            Examples:
              why401 jwt @token.txt --audience api://orders
              pbpaste | why401 jwt - --jwks jwks.json --json
              why401 jwt @token.txt --secret @hs256.key

            Exit codes: 0 no error found, 1 an error finding (expired, bad signature…) or an input that is \
            not a JWT, 2 usage, 3 unreadable input.
            """
    )

    @Argument(help: ArgumentHelp("The token, @FILE, or - for stdin.", valueName: "TOKEN|@FILE|-"))
    var token: String

    @OptionGroup var keys: TokenKeyOptions

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for a --jwks URL. Default 10.", valueName: "SECONDS"))
    var timeout: Double = 10

    @Option(name: .long, help: "Expected audience: an error unless the token's aud contains it.")
    var audience: String?

    @Option(name: .long, help: "Expected issuer: an error unless the token's iss equals it.")
    var issuer: String?

    @Option(name: .long, help: ArgumentHelp("Clock tolerance for exp, nbf and iat, in seconds.", valueName: "SECONDS"))
    var leeway: Double = TokenEvidence.defaultLeeway

    @Option(name: .long, help: .hidden)
    var now: Double?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let request = TokenInspectionRequest(
            token: try Self.readToken(token), key: try keys.source(), audience: audience, issuer: issuer,
            leeway: leeway, now: now, timeout: timeout)
        try output.emit(JWTReport.report(try await UseCase.inspectToken(request)))
    }

    /// The token from the argument, `@FILE`, or the first line of stdin (`-`).
    static func readToken(_ spec: String) throws -> String {
        if spec == "-" {
            guard let line = try SecretInput.boundedLine() else { throw CLIFailure.usage("jwt -: stdin is empty") }
            return line
        }
        if spec.hasPrefix("@") { return try SecretInput.readSmallFile(String(spec.dropFirst()), what: "jwt") }
        return spec
    }
}
