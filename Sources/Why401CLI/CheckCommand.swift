import ArgumentParser
import Checkup
import Report
import Why401Kit

/// `why401 URL [curl-like options]` (also `why401 check URL`): the whole client-side checklist
/// against a live server, most likely cause first.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Diagnose a live URL that answers 401 (the default command: 'why401 URL').",
        discussion: """
            Sends the request as given, then a short adaptive plan — without credentials, a correct answer to \
            each offered challenge (Basic, Digest, fresh nonce after stale=true), identical repeats, each \
            resolved address, without cookies, nearby URLs (trailing slash, https, www.), a CORS preflight \
            with --origin — and ranks the causes. At most --max-credentialed requests carry your \
            credentials (default 4, printed); credentials never go to another origin or from https to http. \
            With --bearer, the token's signature is verified with --secret, --key or --jwks, or else with the \
            jwks_uri that OAuth discovery (RFC 9728 resource metadata → RFC 8414 server metadata) finds; \
            discovery requests never carry credentials.

            Examples:
              why401 https://api.example.com/me -u alice          (prompts for the password, no echo)
              why401 https://api.example.com/me --bearer @token.txt
              why401 https://api.example.com/me --bearer @token.txt --jwks https://idp.example.com/jwks.json
              WHY401_PASSWORD=… why401 https://intranet/ -u alice --digest --json
              why401 --from-curl 'curl https://api.example.com/me -H "Authorization: Bearer …"'
            """
    )

    @Argument(help: "The URL that answers 401.")
    var url: String?

    @Option(
        name: .long,
        help:
            """
            A pasted curl command (\"Copy as cURL\", PowerShell or fetch) instead of the URL and request options: \
            see 'why401 curl'.
            """
    )
    var fromCurl: String?

    @Option(
        name: [.customShort("u"), .long],
        help: "USER[:PASS]. Without PASS: WHY401_PASSWORD, --password-stdin, or a no-echo prompt.")
    var user: String?

    @Flag(name: .long, help: "Read the password from the first line of stdin.")
    var passwordStdin = false

    @Option(name: .long, help: "A Bearer token: TOKEN, @FILE, or - for stdin.")
    var bearer: String?

    @Option(name: [.customShort("H"), .long], help: "Extra header 'Name: value' (repeatable).")
    var header: [String] = []

    @Option(name: [.customShort("b"), .long], help: "Cookie 'name=value[; name2=value2]' (repeatable).")
    var cookie: [String] = []

    @Option(
        name: .long,
        help: "A Netscape/curl cookie jar: cookies for this URL are sent; expired or unsent ones are reported.")
    var cookieJar: String?

    @Option(name: [.customShort("X"), .long], help: "Request method (default GET).")
    var request: String?

    @Option(name: [.customShort("d"), .long], help: "Request body (implies POST unless -X).")
    var data: String?

    @Flag(name: .customLong("basic"), help: "Send Basic preemptively (the default with -u).")
    var basicMode = false
    @Flag(name: .customLong("digest"), help: "Answer a Digest challenge (asks first, like curl --digest).")
    var digestMode = false
    @Flag(name: .customLong("anyauth"), help: "Ask first, then answer whatever the server offers.")
    var anyMode = false

    @OptionGroup(title: "Token signature (with --bearer)") var keys: TokenKeyOptions

    @Option(name: .long, help: "The audience (aud) this API expects in the token.")
    var audience: String?

    @Option(name: .long, help: "The issuer (iss) this API expects in the token.")
    var issuer: String?

    @Option(name: .long, help: "Origin for a CORS preflight check, e.g. https://app.example.com.")
    var origin: String?

    @Option(name: .long, help: "HOST:PORT:ADDR[,ADDR] — connect to these addresses (repeatable), like curl.")
    var resolve: [String] = []

    @Flag(name: [.customShort("k"), .long], help: "Accept any TLS certificate.")
    var insecure = false

    @Option(name: .long, help: "Identical requests in all, the first included (default 3).")
    var `repeat` = 3

    @Flag(name: .long, help: "Also try the trimmed and the Caps-Lock-inverted password (each counted).")
    var tryVariants = false

    @Flag(
        name: .long,
        help:
            """
            Let the plan send an unsafe method (POST, PUT, PATCH, DELETE…) and its body more than once (never \
            after a 2xx). Default: once, as given; the other steps use GET.
            """
    )
    var replayUnsafe = false

    @Option(name: .long, help: "At most this many requests carry your credentials (default 4).")
    var maxCredentialed = 4

    @Option(name: .long, help: "Seconds for each request (a timeout ends the plan early). Default 10.")
    var timeout: Double = 10

    @Option(name: .long, help: "Seconds for the whole run. Default 60.")
    var maxTime: Double = 60

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if fromCurl != nil {
            guard url == nil else { throw ValidationError("give the URL or --from-curl, not both") }
            let requestOptions =
                user != nil || bearer != nil || !header.isEmpty || !cookie.isEmpty || cookieJar != nil || request != nil
                || data != nil || basicMode || digestMode || anyMode || passwordStdin
            if requestOptions {
                throw ValidationError(
                    """
                    with --from-curl the request comes from the curl command: drop -u, --bearer, -H, -b, \
                    --cookie-jar, -X, -d and the auth mode
                    """
                )
            }
        }
        guard let url = url ?? (fromCurl != nil ? "https://" : nil) else {
            throw ValidationError("give the URL that answers 401 (or --from-curl 'curl …')")
        }
        // `why401 exlain` is a mistyped command, not a URL: say so (exit 2) rather than "bad URL" (exit 3).
        if !url.contains("://") {
            // Not echoed: a mistyped URL can hold a password or a token.
            let hint = url.contains(".") ? " (a URL needs its scheme: https://…)" : ""
            throw ValidationError("the first argument is neither a command nor an absolute http(s) URL\(hint)")
        }
        if [basicMode, digestMode, anyMode].filter({ $0 }).count > 1 {
            throw ValidationError("choose one of --basic, --digest, --anyauth")
        }
        // The plan's limits are the library's, one set for every front end; checked here as well so a
        // wrong flag is said before any password prompt.
        var limits = CheckRequest(url: "")
        limits.repeatCount = `repeat`
        limits.credentialBudget = maxCredentialed
        limits.probe.readTimeout = timeout
        limits.maxTime = maxTime
        do { try limits.validateLimits() } catch let failure as AuditFailure { throw ValidationError(failure.message) }
        if passwordStdin && bearer == "-" {
            throw ValidationError("stdin can hold the password or the token, not both")
        }
    }

    func run() async throws {
        let result: CheckResult
        if let fromCurl {
            let request = CurlRequest(
                input: .text(fromCurl), settings: try planSettings(), command: "check",
                password: SecretInput.pastedCommandPassword)
            result = try await UseCase.diagnoseCurl(request)
        } else {
            result = try await UseCase.check(try makeRequest())
        }
        try output.emit(result)
    }

    /// The plan's own settings (not the request): repeats, budget, key, timeouts, --resolve, -k.
    /// Also what `why401 curl` puts under a pasted command.
    func planSettings(url: String = "") throws -> CheckRequest {
        var r = CheckRequest(url: url)
        let keySource = try keys.source()
        if let source = keySource, let local = try UseCase.localTokenKey(source) {
            r.tokenKey = local.key
            r.tokenKeySource = local.source
        }
        r.origin = origin
        r.expectedAudience = audience
        r.expectedIssuer = issuer
        r.repeatCount = `repeat`
        r.tryVariants = tryVariants
        r.replayUnsafe = replayUnsafe
        r.credentialBudget = maxCredentialed
        r.maxTime = maxTime
        r.probe.insecure = insecure
        r.probe.connectTimeout = min(timeout, 10)
        r.probe.readTimeout = timeout
        r.probe.deadline = timeout
        r.jwksURL = keySource?.url
        for item in resolve { try r.addResolve(item) }
        return r
    }

    /// Flags → the request: what is sent (method, headers, cookies, body, credentials) on top of the
    /// plan settings. Secrets come through `SecretInput` (stdin, env, file or a no-echo prompt).
    func makeRequest() throws -> CheckRequest {
        guard let url else { throw CLIFailure.usage("give the URL that answers 401") }
        var r = try planSettings(url: url)
        r.method = request ?? "GET"
        for line in header { try r.addHeader(line: line) }
        if let data { r.setFormBody(data, method: request) }
        for line in cookie { try r.addCookies(line: line) }
        if let cookieJar { r.addCookieJar(text: try SecretInput.readSmallFile(cookieJar, what: "--cookie-jar")) }
        if let user {
            if let colon = user.firstIndex(of: ":") {
                r.user = String(user[..<colon])
                r.password = String(user[user.index(after: colon)...])
            } else {
                r.user = user
                r.password = try SecretInput.password(fromStdin: passwordStdin, prompt: "Password for \(user): ")
            }
        }
        if let bearer { r.bearer = try SecretInput.token(bearer) }
        r.passwordMode = digestMode ? .digest : anyMode ? .any : .basic
        return r
    }
}

extension OutputOptions {
    /// A live check's report (`why401 URL`, `--from-curl`, `why401 curl`) through the one exit policy.
    /// One that could not complete (no HTTP answer to the request as given) still shows what it tried —
    /// always in JSON and Markdown, in text when it found something — and then ends, like every exit 3,
    /// with its reason as one line on stderr.
    func emit(_ result: CheckResult) throws {
        let report = CheckReport.report(result)
        guard let reason = result.incomplete else { return try emit(report) }
        if effectiveFormat != .text || !report.findings.isEmpty {
            do { try emit(report) } catch is ExitCode {}
        }
        throw CLIFailure.incomplete(reason)
    }
}
