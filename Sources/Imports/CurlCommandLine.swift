/// A pasted command that sends one HTTP request — "Copy as cURL" (bash and cmd), "Copy as
/// PowerShell", "Copy as fetch" / "fetch (Node.js)", or a curl line a person wrote — read into what
/// it sends. Pure: no file is read (`-d @FILE` stays a reference the caller resolves), nothing is sent.
///
/// Secrets (passwords, tokens, cookies) are kept raw here because they must go on the wire; no
/// error, note or description ever contains a value: only option names.
public struct CurlCommandLine: Sendable, Equatable {
    public enum Flavour: String, Sendable {
        case posix = "curl (bash)"
        case cmd = "curl (cmd)"
        case words = "curl"
        case powershell = "PowerShell"
        case fetch = "fetch"
    }

    public enum AuthMode: String, Sendable {
        case basic, digest, any
    }

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// One `-d`-like piece of the body.
    public enum DataPart: Sendable, Equatable {
        case text(String)
        /// `@FILE` (`-` = stdin): `stripNewlines` for `-d`/`--data-ascii` (curl drops CR and LF).
        case file(String, stripNewlines: Bool)
    }

    public var flavour: Flavour
    public var url = ""
    /// `-X`, `-Method`, fetch's `method`.
    public var explicitMethod: String?
    /// `-H` in order (an empty value from `-H 'Name;'`).
    public var headers: [Header] = []
    /// `-H 'Name:'`: a header curl would add itself that the command removes (lowercased).
    public var removedHeaders: [String] = []
    /// `-b name=value[; …]` strings.
    public var cookies: [String] = []
    /// `-b FILE` (a Netscape cookie jar to read).
    public var cookieFiles: [String] = []
    /// `-u USER[:PASS]` as written.
    public var user: String?
    public var authMode: AuthMode = .basic
    public var bearer: String?
    public var userAgent: String?
    public var referer: String?
    public var data: [DataPart] = []
    /// `--json`: pieces join without `&`, and JSON Content-Type and Accept are added.
    public var json = false
    /// `-G`: the data goes into the query string of a GET.
    public var getWithData = false
    /// `-I`: HEAD.
    public var head = false
    public var insecure = false
    public var followRedirects = false
    public var locationTrusted = false
    public var maxRedirects: Int?
    public var compressed = false
    public var http1Only = false
    public var maxTime: Double?
    public var connectTimeout: Double?
    /// `--resolve HOST:PORT:ADDR` as written.
    public var resolve: [String] = []
    /// Options known to change nothing that is sent (output, progress, retries…): listed, not dropped silently.
    public var ignoredOptions: [String] = []
    /// Options why401 does not know: listed in the report.
    public var unknownOptions: [String] = []
    /// Other remarks for the report (shell variables left unexpanded, fetch options a browser adds…).
    public var notes: [String] = []

    public init(flavour: Flavour) { self.flavour = flavour }

    /// The largest pasted text read (a command line is never this long; garbage is refused quickly).
    public static let maximumLength = 1 << 20

    // MARK: entry points

    /// Reads a whole pasted text, recognising its producer.
    public static func parse(_ text: String) throws(CurlParseError) -> CurlCommandLine {
        guard text.utf8.count <= maximumLength else { throw .tooLong }
        let trimmed = Substring(text).drop(while: { $0.isWhitespace })
        let head = trimmed.prefix(40).lowercased()
        if head.hasPrefix("fetch(") || head.hasPrefix("await fetch(") || head.hasPrefix("fetch (") {
            return try parseFetch(String(trimmed))
        }
        if head.hasPrefix("$session") || head.hasPrefix("invoke-webrequest") || head.hasPrefix("invoke-restmethod")
            || head.hasPrefix("iwr ")
        {
            return try parsePowerShell(String(trimmed))
        }
        if looksLikeCmd(trimmed) {
            let words = try CurlTokenizer.cmd(String(trimmed))
            return try parseWords(words, flavour: .cmd)
        }
        let (words, expansions) = try CurlTokenizer.posix(String(trimmed))
        var command = try parseWords(words, flavour: .posix)
        if !expansions.isEmpty {
            // Not named: `"alice:pa$word"` would put part of a password into the report.
            command.notes.append(
                """
                \(expansions.count == 1 ? "a shell variable ($…) was" : "shell variables ($…) were") sent as \
                written, not expanded
                """
            )
        }
        return command
    }

    /// `^"` quoting or a `^` at the end of a line: Windows cmd.
    static func looksLikeCmd(_ text: Substring) -> Bool {
        text.contains("^\"") || text.contains("^\n") || text.contains("^\r\n")
    }

    /// Words already split (the arguments after `why401 curl`, or a tokenizer's output). A leading
    /// `curl` / `curl.exe` is skipped.
    public static func parseWords(_ input: [String], flavour: Flavour = .words) throws(CurlParseError)
        -> CurlCommandLine
    {
        var words = input[...]
        if let first = words.first,
            ["curl", "curl.exe"].contains(first.lowercased()) || first.lowercased().hasSuffix("/curl")
        {
            words = words.dropFirst()
        } else if let first = words.first, !first.hasPrefix("-"),
            !first.contains(".") && !first.contains(":") && !first.contains("/"),
            first.lowercased() != "localhost"
        {
            // Not a curl command (`wget …`, garbage): refuse rather than guess.
            throw .notCurl
        }
        var command = CurlCommandLine(flavour: flavour)
        var urls: [String] = []
        var endOfOptions = false
        while let word = words.popFirst() {
            if endOfOptions || !word.hasPrefix("-") || word == "-" {
                urls.append(word)
                continue
            }
            if word == "--" {
                endOfOptions = true
                continue
            }
            if word.hasPrefix("--") {
                let name = String(word.dropFirst(2))
                try command.apply(long: name, written: word, next: &words)
            } else {
                // A cluster of short options: `-sSL`, `-XPOST`, `-uuser:pw`, `-kH 'a: b'`.
                var rest = Substring(word.dropFirst())
                while let letter = rest.first {
                    rest = rest.dropFirst()
                    guard let long = Self.shortOptions[letter] else {
                        command.noteUnknown("-" + String(letter))
                        continue
                    }
                    if Self.takesArgument(long) {
                        var source = words
                        if !rest.isEmpty { source = [String(rest)] + words }
                        try command.apply(long: long, written: "-" + String(letter), next: &source)
                        if rest.isEmpty { words = source }
                        rest = ""
                    } else {
                        try command.apply(long: long, written: "-" + String(letter), next: &words)
                    }
                }
            }
        }
        if let fromOption = command.pendingURL { urls.insert(fromOption, at: 0) }
        guard urls.count <= 1 else { throw .severalURLs(unknown: command.unknownOptions) }
        guard let url = urls.first else { throw .noURL }
        command.url = url
        if !url.contains("://") {
            command.url = "http://" + url
            command.notes.append("the URL has no scheme: http:// assumed, as curl does")
        }
        return command
    }

    // MARK: options

    static let shortOptions: [Character: String] = [
        "H": "header", "b": "cookie", "u": "user", "d": "data", "X": "request", "k": "insecure", "L": "location",
        "A": "user-agent", "e": "referer", "G": "get", "I": "head", "s": "silent", "S": "show-error", "v": "verbose",
        "i": "include", "o": "output", "O": "remote-name", "w": "write-out", "D": "dump-header", "c": "cookie-jar",
        "f": "fail", "m": "max-time", "r": "range", "F": "form", "T": "upload-file", "x": "proxy", "U": "proxy-user",
        "E": "cert", "K": "config", "n": "netrc", "0": "http1.0", "z": "time-cond", "C": "continue-at", "4": "ipv4",
        "6": "ipv6", "g": "globoff", "N": "no-buffer", "#": "progress-bar", "q": "disable", "R": "remote-time",
        "J": "remote-header-name", "Z": "parallel", "l": "list-only", "Y": "speed-limit", "y": "speed-time",
        "j": "junk-session-cookies",
        "t": "telnet-option", "Q": "quote", "P": "ftp-port", "B": "use-ascii", "a": "append", "M": "manual",
        "V": "version", "h": "help",
        "1": "tlsv1", "2": "sslv2", "3": "sslv3", "p": "proxytunnel",
    ]

    /// Options that change nothing the server receives: output, progress, retries, local files.
    static let outputOnly: Set<String> = [
        "silent", "show-error", "verbose", "include", "output", "remote-name", "remote-name-all", "write-out",
        "dump-header",
        "cookie-jar", "fail", "fail-with-body", "fail-early", "progress-bar", "no-progress-meter", "trace",
        "trace-ascii",
        "trace-time", "trace-ids", "trace-config", "stderr", "output-dir", "create-dirs", "create-file-mode",
        "remote-header-name",
        "retry", "retry-delay", "retry-max-time", "retry-connrefused", "retry-all-errors", "no-buffer", "globoff",
        "styled-output",
        "tcp-nodelay", "tcp-fastopen", "keepalive-time", "no-keepalive", "limit-rate", "max-filesize", "parallel",
        "parallel-max",
        "parallel-immediate", "ipv4", "ipv6", "remote-time", "xattr", "disable", "speed-limit", "speed-time",
        "junk-session-cookies",
        "ssl-no-revoke", "ssl-revoke-best-effort", "tlsv1", "tlsv1.0", "tlsv1.1", "tlsv1.2", "tlsv1.3", "tls-max",
        "sslv2", "sslv3",
        "cacert", "capath", "crlfile", "pinnedpubkey", "ciphers", "tls13-ciphers", "curves", "cert-status",
        "false-start",
        "ssl-allow-beast", "ssl-auto-client-cert", "proto", "proto-redir", "proto-default", "raw",
        "ignore-content-length",
        "path-as-is", "suppress-connect-headers", "etag-save", "alt-svc", "hsts", "happy-eyeballs-timeout-ms",
        "dns-servers",
        "interface", "local-port", "expect100-timeout", "post301", "post302", "post303", "http2",
        "http2-prior-knowledge",
        "sessionid", "no-sessionid", "alpn", "no-alpn", "npn", "no-npn", "compressed-ssh", "append", "list-only",
        "use-ascii",
        "quote", "ftp-port", "telnet-option", "proxytunnel", "manual", "version", "help", "max-redirs-ignored", "rate",
        "mail-from",
        "mail-rcpt", "ssl", "ssl-reqd", "socks5-gssapi-service", "no-clobber", "remove-on-error", "clobber",
    ]

    /// Options that change what is sent in a way why401 cannot reproduce: an exit-2 error names them.
    static let unsupported: [String: String] = [
        "form": "multipart form bodies", "form-string": "multipart form bodies", "upload-file": "uploading a file",
        "proxy": "sending through a proxy", "proxy-user": "sending through a proxy",
        "preproxy": "sending through a proxy",
        "socks4": "sending through a proxy", "socks4a": "sending through a proxy", "socks5": "sending through a proxy",
        "socks5-hostname": "sending through a proxy", "proxy-header": "sending through a proxy",
        "proxy-basic": "sending through a proxy",
        "proxy-digest": "sending through a proxy", "proxy-ntlm": "sending through a proxy",
        "proxy-anyauth": "sending through a proxy",
        "proxy-negotiate": "sending through a proxy", "ntlm": "NTLM", "ntlm-wb": "NTLM",
        "negotiate": "Negotiate/Kerberos",
        "delegation": "Negotiate/Kerberos", "aws-sigv4": "AWS request signing", "cert": "client certificates",
        "key": "client certificates",
        "cert-type": "client certificates", "key-type": "client certificates", "unix-socket": "Unix sockets",
        "abstract-unix-socket": "Unix sockets", "config": "reading options from a file",
        "netrc": "credentials from .netrc",
        "netrc-optional": "credentials from .netrc", "netrc-file": "credentials from .netrc",
        "request-target": "a custom request target",
        "http1.0": "HTTP/1.0", "http3": "HTTP/3", "http3-only": "HTTP/3",
        "connect-to": "connecting elsewhere than the URL's host",
        "time-cond": "conditional requests", "continue-at": "resumed transfers",
        "url-query": "query parts added by option",
        "variable": "curl variables", "expand-data": "curl variables", "expand-header": "curl variables",
        "expand-url": "curl variables",
        "expand-json": "curl variables", "expand-user": "curl variables", "haproxy-protocol": "the PROXY protocol",
        "tr-encoding": "transfer encodings", "oauth2-bearer-file": "reading a token from a file", "sasl-ir": "SASL",
        "login-options": "SASL", "sasl-authzid": "SASL", "hostpubmd5": "SSH", "pass": "client certificates",
        "krb": "Kerberos",
        "service-name": "Negotiate/Kerberos", "proxy-insecure": "sending through a proxy",
        "noproxy": "sending through a proxy",
        "etag-compare": "conditional requests", "disallow-username-in-url": "URL policies", "ftp-pasv": "FTP",
    ]

    /// Known options that take a value (used to read `-XPOST` clusters and to skip an ignored option's value).
    static let withArgument: Set<String> = [
        "header", "cookie", "user", "data", "data-raw", "data-ascii", "data-binary", "data-urlencode", "json",
        "request",
        "user-agent", "referer", "url", "oauth2-bearer", "max-redirs", "max-time", "connect-timeout", "range",
        "resolve",
        "output", "write-out", "dump-header", "cookie-jar", "form", "form-string", "upload-file", "proxy", "proxy-user",
        "cert",
        "key", "cert-type", "key-type", "pass", "config", "netrc-file", "time-cond", "continue-at", "speed-limit",
        "speed-time",
        "limit-rate", "max-filesize", "retry", "retry-delay", "retry-max-time", "trace", "trace-ascii", "stderr",
        "output-dir",
        "create-file-mode", "unix-socket", "abstract-unix-socket", "aws-sigv4", "request-target", "connect-to",
        "cacert",
        "capath", "crlfile", "pinnedpubkey", "ciphers", "tls13-ciphers", "curves", "proto", "proto-redir",
        "proto-default",
        "etag-save", "etag-compare", "alt-svc", "hsts", "happy-eyeballs-timeout-ms", "dns-servers", "interface",
        "local-port",
        "expect100-timeout", "keepalive-time", "parallel-max", "rate", "mail-from", "mail-rcpt", "quote", "ftp-port",
        "telnet-option", "preproxy", "socks4", "socks4a", "socks5", "socks5-hostname", "proxy-header", "noproxy",
        "delegation", "service-name", "url-query", "variable", "oauth2-bearer-file", "login-options", "sasl-authzid",
        "hostpubmd5", "krb", "tls-max", "socks5-gssapi-service", "trace-config",
    ]

    static func takesArgument(_ long: String) -> Bool { withArgument.contains(long) }

    mutating func noteUnknown(_ written: String) {
        // Only the option's name, shortened: never anything that could be a value.
        let name = String(
            String.UnicodeScalarView(
                written.prefix(40).unicodeScalars.map { $0.value > 32 && $0.value < 127 ? $0 : "?" }))
        if unknownOptions.count < 50, !unknownOptions.contains(name) { unknownOptions.append(name) }
    }

    mutating func noteIgnored(_ written: String) {
        if !ignoredOptions.contains(written) { ignoredOptions.append(written) }
    }

    /// Applies one option (long name without dashes); takes its value from `next` when it has one.
    mutating func apply(long rawName: String, written: String, next: inout ArraySlice<String>) throws(CurlParseError) {
        var name = rawName
        // `--no-location`, `--no-compressed`…: a boolean turned off.
        var enabled = true
        if name.hasPrefix("no-"), !Self.outputOnly.contains(name) {
            name = String(name.dropFirst(3))
            enabled = false
        }
        func value() throws(CurlParseError) -> String {
            guard let v = next.popFirst() else { throw .missingValue(written) }
            return v
        }
        if let what = Self.unsupported[name] {
            throw .unsupported(option: written, what: what)
        }
        switch name {
        case "url": urlFromOption(try value())
        case "header":
            let line = try value()
            if line.hasPrefix("@") { throw .unsupported(option: written, what: "headers read from a file") }
            if let colon = line.firstIndex(of: ":") {
                let headerName = String(line[..<colon]).trimmingSpaces
                let headerValue = String(line[line.index(after: colon)...]).trimmingSpaces
                guard !headerName.isEmpty else { throw .malformed("\(written) needs 'Name: value'") }
                if headerValue.isEmpty {
                    // curl then sends no header of that name that it would add itself (Accept, User-Agent…).
                    if removedHeaders.count < 100, !removedHeaders.contains(headerName.lowercased()) {
                        removedHeaders.append(headerName.lowercased())
                    }
                } else {
                    headers.append(Header(headerName, headerValue))
                }
            } else if line.hasSuffix(";") {
                headers.append(Header(String(line.dropLast()).trimmingSpaces, ""))
            } else {
                throw .malformed("\(written) needs 'Name: value'")
            }
        case "cookie":
            let v = try value()
            if v.contains("=") { cookies.append(v) } else if !v.isEmpty { cookieFiles.append(v) }
        case "user": user = try value()
        case "oauth2-bearer": bearer = try value()
        case "basic": authMode = .basic
        case "digest": authMode = enabled ? .digest : .basic
        case "anyauth": authMode = .any
        case "data", "data-ascii":
            let v = try value()
            data.append(v.hasPrefix("@") ? .file(String(v.dropFirst()), stripNewlines: true) : .text(v))
        case "data-binary":
            let v = try value()
            data.append(v.hasPrefix("@") ? .file(String(v.dropFirst()), stripNewlines: false) : .text(v))
        case "data-raw": data.append(.text(try value()))
        case "data-urlencode":
            let v = try value()
            if let eq = v.firstIndex(of: "=") {
                let key = String(v[..<eq])
                let encoded = Self.formEncode(String(v[v.index(after: eq)...]))
                data.append(.text(key.isEmpty ? encoded : key + "=" + encoded))
            } else if v.contains("@") {
                throw .unsupported(option: written, what: "data read from a file and URL-encoded")
            } else {
                data.append(.text(Self.formEncode(v)))
            }
        case "json":
            let v = try value()
            json = true
            data.append(v.hasPrefix("@") ? .file(String(v.dropFirst()), stripNewlines: false) : .text(v))
        case "request": explicitMethod = try value()
        case "get": getWithData = enabled
        case "head": head = enabled
        case "insecure": insecure = enabled
        case "location": followRedirects = enabled
        case "location-trusted":
            followRedirects = enabled
            locationTrusted = enabled
        case "max-redirs":
            let v = try value()
            guard let n = Int(v), n >= -1 else { throw .malformed("\(written) needs a number") }
            maxRedirects = n == -1 ? 50 : min(n, 50)
        case "compressed": compressed = enabled
        case "http1.1": http1Only = enabled
        case "user-agent": userAgent = try value()
        case "referer":
            // `;auto` asks curl to set Referer on redirects: the first request carries the part before it.
            let v = try value()
            referer = v.hasSuffix(";auto") ? String(v.dropLast(5)) : v
            if referer?.isEmpty == true { referer = nil }
        case "max-time":
            guard let v = Double(try value()), v > 0 else { throw .malformed("\(written) needs a number of seconds") }
            maxTime = v
        case "connect-timeout":
            guard let v = Double(try value()), v > 0 else { throw .malformed("\(written) needs a number of seconds") }
            connectTimeout = v
        case "range":
            headers.append(Header("Range", "bytes=" + (try value())))
        case "resolve": resolve.append(try value())
        default:
            if Self.outputOnly.contains(rawName) || Self.outputOnly.contains(name) {
                if Self.takesArgument(name) { _ = try value() }
                noteIgnored(written)
            } else {
                if Self.takesArgument(name) { _ = try value() }
                noteUnknown(written)
            }
        }
    }

    mutating func urlFromOption(_ value: String) {
        // Kept like a positional URL: `parseWords` checks there is exactly one.
        pendingURL = value
    }

    var pendingURL: String?

    // MARK: what is sent

    /// The request the command sends. `readFile` reads `@FILE` data (the caller's I/O).
    public func request(readFile: (String) throws -> [UInt8]) rethrows -> SentRequest {
        var body: [UInt8]?
        if !data.isEmpty {
            var bytes: [UInt8] = []
            for (index, part) in data.enumerated() {
                if index > 0 && !json { bytes.append(UInt8(ascii: "&")) }
                switch part {
                case .text(let text): bytes += Array(text.utf8)
                case .file(let path, let strip):
                    let content = try readFile(path)
                    bytes += strip ? content.filter { $0 != 10 && $0 != 13 } : content
                }
            }
            body = bytes
        }
        var url = self.url
        if getWithData, let query = body {
            if let hash = url.firstIndex(of: "#") { url = String(url[..<hash]) }
            url += (url.contains("?") ? "&" : "?") + String(decoding: query, as: UTF8.self)
            body = nil
        }
        let method = explicitMethod ?? (head ? "HEAD" : getWithData ? "GET" : body != nil ? "POST" : "GET")
        var headers = self.headers
        func has(_ name: String) -> Bool {
            headers.contains { $0.name.lowercased() == name } || removedHeaders.contains(name)
        }
        if let userAgent, !has("user-agent") { headers.append(Header("User-Agent", userAgent)) }
        if let referer, !has("referer") { headers.append(Header("Referer", referer)) }
        if json {
            if !has("content-type") { headers.append(Header("Content-Type", "application/json")) }
            if !has("accept") { headers.append(Header("Accept", "application/json")) }
        } else if body != nil, !has("content-type") {
            headers.append(Header("Content-Type", "application/x-www-form-urlencoded"))
        }
        if flavour != .powershell && flavour != .fetch && !has("accept") {
            headers.insert(Header("Accept", "*/*"), at: 0)
        }
        return SentRequest(url: url, method: method, headers: headers, body: body ?? [], removedHeaders: removedHeaders)
    }

    /// What goes on the wire for the first request (before any authentication exchange).
    public struct SentRequest: Sendable, Equatable {
        public var url: String
        public var method: String
        public var headers: [Header]
        public var body: [UInt8]
        public var removedHeaders: [String]
    }

    /// `application/x-www-form-urlencoded` as curl's `--data-urlencode` writes it (space as `+`,
    /// as the real curl sends it).
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: " "): out.unicodeScalars.append("+")
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 15)])
            }
        }
        return out
    }
}

/// Why a pasted command could not be read. Descriptions name options, never values.
public enum CurlParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case unbalancedQuote(String)
    case missingValue(String)
    case unsupported(option: String, what: String)
    case noURL
    case severalURLs(unknown: [String])
    case notCurl
    case tooLong
    case malformed(String)

    public var description: String {
        switch self {
        case .unbalancedQuote(let quote): "the pasted command has an unbalanced \(quote) quote"
        case .missingValue(let option): "curl option \(option) needs a value"
        case .unsupported(let option, let what):
            """
            curl option \(option) changes what is sent and why401 cannot reproduce it (\(what)); remove it to \
            diagnose the rest
            """
        case .noURL: "the pasted command has no URL"
        case .severalURLs(let unknown):
            "the pasted command has more than one URL; why401 diagnoses one request"
                + (unknown.isEmpty
                    ? ""
                    : " (or an option why401 does not know took a value: \(unknown.prefix(5).joined(separator: ", ")))")
        case .notCurl: "not a curl command, \"Copy as PowerShell\" or \"Copy as fetch\" text"
        case .tooLong: "the pasted command is longer than 1 MiB"
        case .malformed(let what): what
        }
    }
}

extension String {
    var trimmingSpaces: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return String(scalars[first...last])
    }
}
