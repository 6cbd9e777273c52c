import ArgumentParser
import Imports
import Why401Kit

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
            text|json|markdown, --json, --fail-on error|warning, --repeat N, --max-credentialed N, --replay-unsafe, \
            --try-variants, --timeout S, --origin ORIGIN, --secret/--key/--jwks.

            Examples:
              why401 curl 'https://api.example.com/me' -H 'authorization: Bearer eyJ…' --compressed
              why401 curl --json -- "curl 'https://intranet/' -u alice --digest"
              pbpaste | why401 curl --from -
            """
    )

    @Argument(
        parsing: .captureForPassthrough,
        help: "why401 options, then the curl command's words (or the whole line as one argument).")
    var words: [String] = []

    /// why401 options that may precede the command, and whether each takes a value.
    static let ownOptions: [String: Bool] = [
        "--from": true, "--format": true, "--json": false, "--fail-on": true, "--repeat": true,
        "--max-credentialed": true,
        "--replay-unsafe": false,
        "--try-variants": false, "--timeout": true, "--max-time": true, "--origin": true, "--audience": true,
        "--issuer": true,
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
        // why401's own options mean what they mean for `why401 URL`: parsed by the same command.
        let check = try CheckCommand.parse(["--from-curl", "-"] + own)
        let input: CurlRequest.Input
        if let from {
            guard rest.isEmpty else { throw CLIFailure.usage("give the command with --from or as arguments, not both") }
            input = .text(from == "-" ? try Self.readStdin() : try SecretInput.readSmallFile(from, what: "--from"))
        } else {
            input = .words(Array(rest))
        }
        let request = CurlRequest(
            input: input, settings: try check.planSettings(), command: "curl",
            password: SecretInput.pastedCommandPassword)
        try check.output.emit(try await UseCase.diagnoseCurl(request))
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
