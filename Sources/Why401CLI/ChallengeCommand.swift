import ArgumentParser
import Report
import Why401Kit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 challenge VALUE...`: reads `WWW-Authenticate` values the way a client must (RFC 9110 §11)
/// and says what the server asks for and what is wrong with the challenge. Offline: no request is sent.
struct ChallengeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "challenge",
        abstract: "Parse and check WWW-Authenticate / Proxy-Authenticate values.",
        discussion: """
            Give each header line as one argument (the 'WWW-Authenticate:' prefix may be included), or '-' \
            to read header lines from stdin. why401 lists every challenge with its parameters, then the \
            problems: a challenge that does not parse (with the byte where it breaks), Basic without realm, \
            weak Digest, schemes no ordinary client can answer, and what a Bearer error= code means.

            Examples:
              why401 challenge 'Basic realm="Private", charset="UTF-8"'
              why401 challenge 'Bearer scope="" error="invalid_token" error_description="expired"'
              curl -sI https://example.com/ | grep -i authenticate | why401 challenge -
            """
    )

    @Argument(help: "Header values, one per header line; '-' reads lines from stdin.")
    var values: [String]

    @Flag(name: .long, help: "The values are Proxy-Authenticate (the proxy, not the site, asks).")
    var proxy = false

    @Option(name: .long, help: "The status code the values came with (e.g. 401), for checks that depend on it.")
    var status: Int?

    @OptionGroup var output: OutputOptions

    func run() throws {
        // Bytes, not Strings: a server may send its realm in ISO-8859-1, and Swift's String would
        // silently turn those bytes into U+FFFD before the parser could name them.
        let rawArguments = RawArguments()
        var fields: [[UInt8]] = []
        for value in values {
            if value == "-" {
                fields += ChallengeReadRequest.headerLines(try Self.readStdin())
            } else {
                fields.append(rawArguments.bytes(of: value))
            }
        }
        let result = try UseCase.readChallenge(ChallengeReadRequest(fields: fields, proxy: proxy, status: status))
        try output.emit(ChallengeReport.report(result))
    }

    /// Header values read from stdin are capped: a pasted header is a few KB, `</dev/zero` is not.
    static let stdinLimit = 16 << 20

    static func readStdin() throws -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > stdinLimit {
                throw CLIFailure.usage("stdin: more than \(stdinLimit >> 20) MiB of header lines")
            }
        }
        return bytes
    }
}

/// The process's arguments as the bytes the shell passed. `CommandLine.arguments` (and so every
/// ArgumentParser value) repairs ill-formed UTF-8 to U+FFFD; this maps such a value back to its
/// bytes. Arguments that were valid UTF-8 come back unchanged.
struct RawArguments {
    private var byRepaired: [String: [[UInt8]]] = [:]

    init() {
        for index in 0..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: pointer, count: strlen(pointer))).map { UInt8(bitPattern: $0) }
            guard String(validating: bytes, as: UTF8.self) == nil else { continue }
            byRepaired[String(decoding: bytes, as: UTF8.self), default: []].append(bytes)
        }
    }

    /// The raw bytes of an argument value, or its UTF-8 when it was valid to begin with.
    func bytes(of value: String) -> [UInt8] {
        byRepaired[value]?.first ?? Array(value.utf8)
    }
}
