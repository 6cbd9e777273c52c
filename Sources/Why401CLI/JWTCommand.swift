import ArgumentParser
import Credentials
import Diagnosis
import HTTPAuth
import Report

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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
    var leeway: Double = 60

    @Option(name: .long, help: .hidden)
    var now: Double?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if !(timeout > 0 && timeout <= 600) { throw ValidationError("--timeout must be between 0 and 600 seconds") }
        if !leeway.isFinite || leeway < 0 || leeway > 1e9 { throw ValidationError("--leeway must be a number of seconds, 0 or more") }
        if let now, !now.isFinite { throw ValidationError("--now must be seconds since 1970") }
    }

    func run() async throws {
        let raw = try Self.readToken(token)
        let keyInput = try await keys.read(timeout: timeout)?.key
        let clock = now ?? Self.currentTime()
        let decoded = JWT.decode(raw)
        var verification: JWTVerification?
        var weakGuess = false
        if case .success(let jwt) = decoded {
            if let keyInput {
                verification = await JWTVerifier.verify(raw, header: jwt.header, key: keyInput)
            } else {
                weakGuess = await JWTVerifier.weakSecretVerifies(raw, header: jwt.header)
            }
        }
        let options = TokenInspectionOptions(leeway: leeway, audience: audience, issuer: issuer)
        let findings = TokenInspection.findings(decoded: decoded, verification: verification, weakSecretGuessed: weakGuess, options: options, now: clock)
        let outcome: DiagnosticReport.Outcome = TokenInspection.isProblem(findings) ? .problems : .ok
        var extra: [(String, JSONValue)] = []
        var sections: [DiagnosticReport.Section] = []
        if case .success(let jwt) = decoded {
            extra.append(("header", Self.json(object: jwt.header)))
            extra.append(("claims", Self.json(object: jwt.claims)))
            extra.append(("signature", Self.signatureJSON(verification, weakGuess: weakGuess, jwt: jwt)))
            sections.append(Self.section(jwt, verification: verification, weakGuess: weakGuess, now: clock, leeway: leeway))
        }
        try output.emit(
            DiagnosticReport(
                command: "jwt", subject: SecretMasking.maskOpaque(Self.trimmed(raw)), outcome: outcome, findings: findings,
                extra: extra, sections: sections))
    }

    // MARK: - Input

    static func readToken(_ spec: String) throws -> String {
        var text = spec
        if spec == "-" {
            guard let line = try SecretInput.boundedLine() else { throw CLIFailure.usage("jwt -: stdin is empty") }
            text = line
        } else if spec.hasPrefix("@") {
            text = try SecretInput.readSmallFile(String(spec.dropFirst()), what: "jwt")
        }
        if trimmed(text).isEmpty { throw CLIFailure.usage("jwt: the token is empty") }
        return text
    }

    static func currentTime() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func trimmed(_ s: String) -> String {
        String(s.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    // MARK: - Output

    /// Claims keep JSON types; keys are sorted (the decoder does not keep their order).
    static func json(object: [String: JSONScalarTree]) -> JSONValue {
        .object(object.keys.sorted().map { ($0, json(object[$0]!)) })
    }

    static func json(_ value: JSONScalarTree) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): n == n.rounded() && abs(n) < 9e15 ? .int(Int(n)) : .double(n)
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(json))
        case .object(let members): json(object: members)
        }
    }

    static func signatureJSON(_ verification: JWTVerification?, weakGuess: Bool, jwt: DecodedJWT) -> JSONValue {
        let status: String
        var key: String?
        switch verification {
        case nil: status = jwt.algorithm?.lowercased() == "none" ? "unsigned" : weakGuess ? "weak-secret" : "not-checked"
        case .verified(_, let k)?:
            status = "verified"
            key = k
        case .verifiedWithWeakSecret?: status = "weak-secret"
        case .failed(let problem)?:
            status = if case .unsigned = problem { "unsigned" } else { "invalid" }
        }
        return .object([("status", .string(status)), ("key", .optional(key))])
    }

    static func section(_ jwt: DecodedJWT, verification: JWTVerification?, weakGuess: Bool, now: Double, leeway: Double) -> DiagnosticReport.Section {
        var lines = ["header"]
        for name in jwt.header.keys.sorted() { lines.append("  \(name): \(display(jwt.header[name]!))") }
        lines.append("claims")
        if jwt.claims.isEmpty { lines.append("  (none)") }
        for name in jwt.claims.keys.sorted().prefix(100) {
            let value = jwt.claims[name]!
            var line = "  \(name): \(display(value))"
            if ["exp", "nbf", "iat", "auth_time"].contains(name), let t = value.number {
                line += "  (\(HTTPDate.iso8601(t)), \(TokenInspection.relative(name, t, now: now)))"
            }
            lines.append(line)
        }
        if jwt.claims.count > 100 { lines.append("  … \(jwt.claims.count - 100) more claims") }
        let signature: String
        switch verification {
        case nil:
            signature =
                jwt.algorithm?.lowercased() == "none"
                ? "none (unsigned)"
                : weakGuess ? "verifies with a well-known weak secret" : "not checked (give --secret, --key or --jwks)"
        case .verified(let alg, let key)?: signature = "verified (\(alg), \(key))"
        case .verifiedWithWeakSecret(let alg)?: signature = "verified (\(alg)), but with a well-known weak secret"
        case .failed(let problem)?: signature = "does not verify: \(problem)"
        }
        lines.append("signature: \(signature)")
        lines.append("clock: \(HTTPDate.iso8601(now)), leeway \(Int(leeway)) s")
        return DiagnosticReport.Section(title: "Token (signature part not shown)", lines: lines)
    }

    static func display(_ value: JSONScalarTree) -> String {
        let text = json(value).serialized(pretty: false)
        return text.count > 200 ? String(text.prefix(200)) + "…(\(text.utf8.count) bytes)" : text
    }
}
