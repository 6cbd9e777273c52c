import ArgumentParser
import Checkup
import Evidence
import HTTPAuth
import Imports

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 curl ARGS…` / `why401 curl --from FILE|-`: a pasted "Copy as cURL" (bash or cmd),
/// "Copy as PowerShell" or "Copy as fetch" command, diagnosed like `why401 URL` with exactly its
/// method, headers, cookies and body.
struct CurlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curl",
        abstract: "Diagnose a pasted curl command (\"Copy as cURL\", \"Copy as PowerShell\", \"Copy as fetch\").",
        discussion: """
            Give the words after `curl`, the whole line as one argument, or --from FILE (- for stdin: paste, \
            then Ctrl-D). The request is sent as the command sends it — method, headers, cookies, body, -u, \
            --oauth2-bearer, --digest/--anyauth, -k — and then the plan of `why401 URL` runs (unsafe methods \
            are sent once). Options that change nothing sent (-s, -o, -i…) and unknown ones are listed in the \
            Plan; an option that changes what is sent and that why401 cannot reproduce (-F, -x, --ntlm, -E…) \
            is an error naming it (exit 2). Secrets are never printed.

            why401's own options come first, before the command (-- ends them): --from FILE|-, --format \
            text|json|markdown, --json, --repeat N, --max-credentialed N, --replay-unsafe, --try-variants, \
            --timeout S, --origin ORIGIN, --secret/--key/--jwks.

            Examples:
              why401 curl 'https://api.example.com/me' -H 'authorization: Bearer eyJ…' --compressed
              why401 curl --json -- "curl 'https://intranet/' -u alice --digest"
              pbpaste | why401 curl --from -
            """
    )

    @Argument(parsing: .captureForPassthrough, help: "why401 options, then the curl command's words (or the whole line as one argument).")
    var words: [String] = []

    /// why401 options that may precede the command, and whether each takes a value.
    static let ownOptions: [String: Bool] = [
        "--from": true, "--format": true, "--json": false, "--repeat": true, "--max-credentialed": true, "--replay-unsafe": false,
        "--try-variants": false, "--timeout": true, "--max-time": true, "--origin": true, "--audience": true, "--issuer": true,
        "--secret": true, "--key": true, "--jwks": true,
    ]

    func run() async throws {
        var rest = words[...]
        var own: [String] = []
        var from: String?
        while let word = rest.first {
            if word == "--" {
                rest = rest.dropFirst()
                break
            }
            if word == "-h" || word == "--help" { throw CleanExit.helpRequest(CurlCommand.self) }
            let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            guard let takesValue = Self.ownOptions[name] else { break }
            rest = rest.dropFirst()
            var value: String?
            if word.contains("=") {
                value = String(word.split(separator: "=", maxSplits: 1)[1])
            } else if takesValue {
                guard let next = rest.popFirst() else { throw CLIFailure.usage("\(name) needs a value") }
                value = next
            }
            if name == "--from" { from = value } else { own += [name] + (value.map { [$0] } ?? []) }
        }
        let check = try CheckCommand.parse(["--from-curl", "-"] + own)
        let pasted: CurlCommandLine
        if let from {
            guard rest.isEmpty else { throw CLIFailure.usage("give the command with --from or as arguments, not both") }
            let text = from == "-" ? try Self.readStdin() : try SecretInput.readSmallFile(from, what: "--from")
            pasted = try CurlImport.parse(text: text)
        } else {
            pasted = try CurlImport.parse(words: Array(rest))
        }
        var base = CheckRequest(url: "")
        try check.applyPlanSettings(to: &base)
        let (request, notes) = try CurlImport.checkRequest(pasted, settings: base)
        try await CheckCommand.diagnose(request, output: check.output, command: "curl", notes: notes, followedRedirectNote: CurlImport.redirectNote(pasted))
    }

    /// All of stdin, at most 1 MiB (a pasted command is far smaller; `</dev/zero` must not eat memory).
    static func readStdin() throws -> String {
        let limit = CurlCommandLine.maximumLength
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > limit { throw CLIFailure.usage("the pasted command on stdin is longer than 1 MiB") }
        }
        if bytes.isEmpty { throw CLIFailure.usage("--from -: stdin is empty") }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// From a parsed command to the live check's request (shared by `why401 curl` and `why401 URL --from-curl`).
enum CurlImport {
    static func parse(text: String) throws -> CurlCommandLine {
        do {
            return try CurlCommandLine.parse(text)
        } catch {
            throw CLIFailure.usage(error.description)
        }
    }

    /// The words after `why401 curl`: one argument holding a whole line is read as pasted text.
    static func parse(words: [String]) throws -> CurlCommandLine {
        guard !words.isEmpty else { throw CLIFailure.usage("paste the curl command after 'why401 curl' (or use --from FILE|-)") }
        if words.count == 1, words[0].contains(where: { $0.isWhitespace }) { return try parse(text: words[0]) }
        do {
            return try CurlCommandLine.parseWords(words)
        } catch {
            throw CLIFailure.usage(error.description)
        }
    }

    /// The check request the command sends, on top of the plan `settings`; and the Plan notes that
    /// say what was read, ignored, unknown or changed. No note holds a value.
    static func checkRequest(_ pasted: CurlCommandLine, settings: CheckRequest) throws -> (CheckRequest, [String]) {
        let sent = try pasted.request { path in
            guard path != "-" else { throw CLIFailure.usage("curl data @- (stdin) is not supported: save the body to a file and use @FILE") }
            return try SecretInput.readSmallFileBytes(path, what: "curl data @FILE")
        }
        var r = settings
        r.url = sent.url
        r.method = sent.method
        r.body = sent.body
        var notes: [String] = []
        var droppedEncoding = false
        for header in sent.headers {
            let lower = header.name.lowercased()
            if lower == "accept-encoding" {
                droppedEncoding = true
            } else if lower == "cookie", let pairs = cookiePairs(header.value) {
                r.cookies += pairs
            } else {
                r.headers.append(HeaderField(header.name, header.value))
            }
        }
        for string in pasted.cookies {
            if let pairs = cookiePairs(string) { r.cookies += pairs } else { r.headers.append(HeaderField("Cookie", string)) }
        }
        for file in pasted.cookieFiles { try CheckCommand.loadJar(file, what: "curl -b FILE", into: &r) }
        if let user = pasted.user {
            if let colon = user.firstIndex(of: ":") {
                r.user = String(user[..<colon])
                r.password = String(user[user.index(after: colon)...])
            } else {
                r.user = user
                r.password = try SecretInput.password(fromStdin: false, prompt: "Password for \(user): ")
            }
        }
        r.bearer = pasted.bearer
        r.passwordMode = pasted.authMode == .digest ? .digest : pasted.authMode == .any ? .any : .basic
        r.probe.insecure = settings.probe.insecure || pasted.insecure
        if let max = pasted.maxRedirects { r.maxRedirects = max }
        if pasted.http1Only { r.probe.preferHTTP2 = false }
        if let seconds = pasted.maxTime {
            r.probe.deadline = seconds
            r.probe.readTimeout = min(r.probe.readTimeout, seconds)
        }
        if let seconds = pasted.connectTimeout { r.probe.connectTimeout = seconds }
        for item in pasted.resolve { try CheckCommand.addResolve(item, to: &r) }
        if pasted.removedHeaders.contains("user-agent") { r.probe.userAgent = "" }

        let cookieCount = r.cookies.count
        var summary = "read as \(pasted.flavour.rawValue): \(sent.method), \(r.headers.count) header\(r.headers.count == 1 ? "" : "s")"
        if cookieCount > 0 { summary += ", \(cookieCount) cookie\(cookieCount == 1 ? "" : "s")" }
        if !sent.body.isEmpty { summary += ", a \(sent.body.count)-byte body" }
        if pasted.user != nil { summary += ", a password (\(r.passwordMode.rawValue))" }
        if pasted.bearer != nil { summary += ", a Bearer token" }
        notes.append(summary)
        if !r.headers.contains(where: { $0.name.lowercased() == "user-agent" }) && r.probe.userAgent != "" {
            notes.append("User-Agent: the command sets none, so why401 sends its own (\(r.probe.userAgent))")
        }
        if pasted.compressed || droppedEncoding {
            notes.append("\(pasted.compressed ? "--compressed" : "Accept-Encoding") not sent: why401 asks for an uncompressed answer to read the server's message (the encoding takes no part in authentication)")
        }
        if pasted.locationTrusted {
            notes.append("--location-trusted: why401 still never sends credentials to another origin after a redirect; the report names where they would have gone")
        }
        if !pasted.ignoredOptions.isEmpty {
            notes.append("options that change nothing sent, ignored: \(pasted.ignoredOptions.prefix(12).joined(separator: ", "))")
        }
        if !pasted.unknownOptions.isEmpty {
            notes.append("unknown options, not applied: \(pasted.unknownOptions.prefix(12).joined(separator: ", "))")
        }
        notes += pasted.notes
        return (r, notes)
    }

    /// A curl command without -L stops at a redirect; the plan follows it. Said when it happened.
    static func redirectNote(_ pasted: CurlCommandLine) -> String? {
        guard !pasted.followRedirects, pasted.maxRedirects == nil, pasted.flavour != .fetch, pasted.flavour != .powershell else { return nil }
        return "the command has no -L, so curl stops at the redirect; why401 followed it to find where the 401 comes from"
    }

    /// `a=b; c=d` as pairs; nil when a piece is not `name=value` (then the string goes as written).
    static func cookiePairs(_ text: String) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for piece in text.split(separator: ";") {
            let trimmed = piece.trimmingOWS
            if trimmed.isEmpty { continue }
            guard let eq = trimmed.firstIndex(of: "="), eq != trimmed.startIndex else { return nil }
            pairs.append((String(trimmed[..<eq]), String(trimmed[trimmed.index(after: eq)...])))
        }
        return pairs
    }
}
