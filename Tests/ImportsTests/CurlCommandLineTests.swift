import Testing

@testable import Imports

/// Command lines as the browsers' "Copy as …" menus write them, and as people write them.
@Suite struct CurlCommandLineTests {
    typealias H = CurlCommandLine.Header
    static let secret = "Zq9-secret-TOKEN-4711"

    static func sent(_ text: String) throws -> CurlCommandLine.SentRequest {
        try CurlCommandLine.parse(text).request { _ in [] }
    }

    // MARK: producers

    /// Chrome/Edge "Copy as cURL (bash)": `$'…'` for a body with a quote, `-b`, `--compressed`.
    static let chromeBash = #"""
        curl 'https://api.example.test/v1/me?x=1&y=2' \
          -H 'accept: application/json' \
          -H 'authorization: Bearer Zq9-secret-TOKEN-4711' \
          -b 'sid=abc; theme=dark' \
          -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64)' \
          --data-raw $'{"note":"it\'s 50% off"}' \
          --compressed
        """#

    /// The same request from Chrome's "Copy as cURL (cmd)": `^` escapes everything cmd.exe would
    /// interpret, `\"` is the C runtime's quote, `^` at the end of a line continues it.
    static let chromeCmd = #"""
        curl ^"https://api.example.test/v1/me?x=1^&y=2^" ^
          -H ^"accept: application/json^" ^
          -H ^"authorization: Bearer Zq9-secret-TOKEN-4711^" ^
          -b ^"sid=abc; theme=dark^" ^
          -H ^"user-agent: Mozilla/5.0 (X11; Linux x86_64)^" ^
          --data-raw ^"^{^\^"note^\^":^\^"it's 50^% off^\^"^}^" ^
          --compressed
        """#

    @Test("control escapes (\\n \\t \\r \\b \\f \\v) read the same in bash $'…' and in a fetch string")
    func controlEscapes() throws {
        let escaped = #"a\nb\tc\rd\be\ff\vg"#
        let expected = "a\nb\tc\rd\u{08}e\u{0C}f\u{0B}g"
        let bash = try CurlTokenizer.posix("curl $'" + escaped + "'")
        #expect(bash.words == ["curl", expected])
        var reader = CurlTokenizer.JSReader(Array(("\"" + escaped + "\"").unicodeScalars), at: 0)
        #expect(try reader.string() == expected)
    }

    @Test("Chrome's bash copy: URL, headers in order, cookies, $'…' body, POST, --compressed")
    func chromeBashCopy() throws {
        let command = try CurlCommandLine.parse(Self.chromeBash)
        #expect(command.flavour == .posix)
        #expect(command.compressed)
        #expect(command.cookies == ["sid=abc; theme=dark"])
        let request = try command.request { _ in [] }
        #expect(request.url == "https://api.example.test/v1/me?x=1&y=2")
        #expect(request.method == "POST")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"note":"it's 50% off"}"#)
        #expect(
            request.headers == [
                H("accept", "application/json"), H("authorization", "Bearer \(Self.secret)"),
                H("user-agent", "Mozilla/5.0 (X11; Linux x86_64)"),
                H("Content-Type", "application/x-www-form-urlencoded"),
            ])
    }

    @Test("Chrome's cmd copy of the same request reads exactly like the bash copy")
    func chromeCmdCopy() throws {
        let command = try CurlCommandLine.parse(Self.chromeCmd)
        #expect(command.flavour == .cmd)
        #expect(try Self.sent(Self.chromeCmd) == Self.sent(Self.chromeBash))
        #expect(command.cookies == ["sid=abc; theme=dark"])
    }

    @Test("cmd: %^ before a letter, an escaped newline inside a value, backslashes before a quote")
    func cmdEscapes() throws {
        // Chrome writes %20 as %^20 (so cmd does not expand %20…%), a newline as ^ + two newlines.
        let text = "curl ^\"https://h.test/a%^20b^\" ^\n  --data-raw ^\"line1^\n\nline2 \\\\^\\^\"q^\\^\"^\""
        let request = try Self.sent(text)
        #expect(request.url == "https://h.test/a%20b")
        #expect(String(decoding: request.body, as: UTF8.self) == "line1\nline2 \\\"q\"")
    }

    @Test("Firefox and Safari bash copies: explicit Cookie header, -X 'POST', --data-binary")
    func firefoxAndSafari() throws {
        let firefox = """
            curl 'https://h.test/api' -X POST -H 'User-Agent: Mozilla/5.0 Firefox/133.0' -H 'Accept: */*' \
            -H 'Accept-Encoding: gzip, deflate, br, zstd' -H 'Cookie: sid=abc' -H 'Connection: keep-alive' --data-raw \
            'a=1&b=2'
            """
        let f = try Self.sent(firefox)
        #expect(f.method == "POST")
        #expect(
            f.headers.map(\.name) == [
                "User-Agent", "Accept", "Accept-Encoding", "Cookie", "Connection", "Content-Type",
            ])
        #expect(f.body == Array("a=1&b=2".utf8))
        let safari = """
            curl 'https://h.test/api' \\
            -X 'PUT' \\
            -H 'Content-Type: application/json' \\
            -H 'Accept: application/json' \\
            --data-binary '{"a":1}'
            """
        let s = try Self.sent(safari)
        #expect(s.method == "PUT")
        #expect(s.headers == [H("Content-Type", "application/json"), H("Accept", "application/json")])
        #expect(s.body == Array(#"{"a":1}"#.utf8))
    }

    @Test(
        "Chrome's Copy as PowerShell: session user agent and cookies, -Headers @{…}, backtick escapes and continuations"
    )
    func powershellCopy() throws {
        let text = """
            $session = New-Object Microsoft.PowerShell.Commands.WebRequestSession
            $session.UserAgent = "Mozilla/5.0 (Windows NT 10.0)"
            $session.Cookies.Add((New-Object System.Net.Cookie("sid", "abc", "/", "h.test")))
            $session.Cookies.Add((New-Object System.Net.Cookie("theme", "dark", "/", "h.test")))
            Invoke-WebRequest -UseBasicParsing -Uri "https://h.test/v1/me" `
            -Method "POST" `
            -WebSession $session `
            -Headers @{
            "accept"="application/json"
              "authorization"="Bearer \(Self.secret)"
            } `
            -ContentType "application/json" `
            -Body "{`"note`":`"it's`"}"
            """
        let command = try CurlCommandLine.parse(text)
        #expect(command.flavour == .powershell)
        #expect(command.cookies == ["sid=abc", "theme=dark"])
        let request = try command.request { _ in [] }
        #expect(request.url == "https://h.test/v1/me")
        #expect(request.method == "POST")
        #expect(
            request.headers == [
                H("accept", "application/json"), H("authorization", "Bearer \(Self.secret)"),
                H("Content-Type", "application/json"),
                H("User-Agent", "Mozilla/5.0 (Windows NT 10.0)"),
            ])
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"note":"it's"}"#)
        #expect(command.unknownOptions.isEmpty)
    }

    @Test(
        """
        PowerShell: a non-ASCII body through UTF8.GetBytes, -SkipCertificateCheck, single quotes; -Credential is \
        refused
        """
    )
    func powershellBodyBytes() throws {
        let text = """
            Invoke-WebRequest -UseBasicParsing -Uri 'https://h.test/it''s' -Method "PUT" -SkipCertificateCheck `
            -Body ([System.Text.Encoding]::UTF8.GetBytes("{`"name`":`"Zoë`"}"))
            """
        let command = try CurlCommandLine.parse(text)
        #expect(command.insecure)
        let request = try command.request { _ in [] }
        #expect(request.url == "https://h.test/it's")
        #expect(request.method == "PUT")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"name":"Zoë"}"#)
        #expect(throws: CurlParseError.unsupported(option: "-Credential", what: "Invoke-WebRequest -Credential")) {
            try CurlCommandLine.parse("Invoke-WebRequest -Uri https://h.test/ -Credential $cred")
        }
    }

    @Test("Copy as fetch and fetch (Node.js): header order, referrer, body, cookies only in the Node.js form")
    func fetchCopies() throws {
        let browser = #"""
            fetch("https://h.test/v1/me", {
              "headers": {
                "accept": "application/json",
                "authorization": "Bearer Zq9-secret-TOKEN-4711",
                "content-type": "application/json"
              },
              "referrer": "https://app.h.test/",
              "referrerPolicy": "strict-origin-when-cross-origin",
              "body": "{\"note\":\"caf\u00e9\"}",
              "method": "POST",
              "mode": "cors",
              "credentials": "include"
            });
            """#
        let command = try CurlCommandLine.parse(browser)
        #expect(command.flavour == .fetch)
        let request = try command.request { _ in [] }
        #expect(request.method == "POST")
        #expect(
            request.headers == [
                H("accept", "application/json"), H("authorization", "Bearer \(Self.secret)"),
                H("content-type", "application/json"),
                H("Referer", "https://app.h.test/"),
            ])
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"note":"café"}"#)
        #expect(command.notes.contains { $0.contains("credentials") })
        let node = #"""
            fetch("https://h.test/v1/me", {
              "headers": {
                "accept": "*/*",
                "cookie": "sid=abc; theme=dark",
                "Referer": "https://app.h.test/"
              },
              "body": null,
              "method": "GET"
            });
            """#
        let n = try CurlCommandLine.parse(node)
        #expect(n.cookies == ["sid=abc; theme=dark"])
        #expect(try n.request { _ in [] }.headers == [H("accept", "*/*"), H("Referer", "https://app.h.test/")])
        #expect(try n.request { _ in [] }.method == "GET")
    }

    // MARK: options as people write them

    @Test("short clusters and attached values: -sSLk, -XPUT, -uuser:pw, -HName:value")
    func shortClusters() throws {
        let command = try CurlCommandLine.parseWords([
            "curl", "-sSLk", "-XPUT", "-ualice:pw", "-HX-A:1", "https://h.test/",
        ])
        #expect(command.followRedirects && command.insecure)
        #expect(command.explicitMethod == "PUT")
        #expect(command.user == "alice:pw")
        #expect(command.headers == [H("X-A", "1")])
        #expect(command.ignoredOptions == ["-s", "-S"])
    }

    @Test("-G moves the data into the query; --data-urlencode encodes; -d pieces join with &")
    func dataForms() throws {
        let get = try Self.sent("curl -G -d q=1 --data-urlencode 'name=a b&c' https://h.test/s?x=0")
        #expect(get.method == "GET")
        #expect(get.url == "https://h.test/s?x=0&q=1&name=a+b%26c")
        #expect(get.body.isEmpty)
        let post = try Self.sent("curl -d a=1 --data-urlencode '=é' https://h.test/s")
        #expect(post.body == Array("a=1&%C3%A9".utf8))
        #expect(post.headers == [H("Accept", "*/*"), H("Content-Type", "application/x-www-form-urlencoded")])
    }

    @Test("--json sets JSON Content-Type and Accept; -I is HEAD; -H 'Name:' removes, -H 'Name;' sends empty")
    func jsonHeadAndHeaderForms() throws {
        let json = try Self.sent(#"curl --json '{"a":1}' --json '{"b":2}' https://h.test/"#)
        #expect(json.method == "POST")
        #expect(json.body == Array(#"{"a":1}{"b":2}"#.utf8))
        #expect(json.headers == [H("Content-Type", "application/json"), H("Accept", "application/json")])
        let head = try Self.sent("curl -I -H 'User-Agent:' -H 'X-Empty;' -A ignored https://h.test/")
        #expect(head.method == "HEAD")
        #expect(head.headers == [H("Accept", "*/*"), H("X-Empty", "")])
        #expect(head.removedHeaders == ["user-agent"])
        #expect(
            try Self.sent("curl -r 0-99 https://h.test/").headers == [H("Accept", "*/*"), H("Range", "bytes=0-99")])
    }

    @Test("auth options: -u, --digest, --anyauth, --oauth2-bearer, -e, -A, --location-trusted, --max-redirs")
    func authOptions() throws {
        let digest = try CurlCommandLine.parse(
            "curl --digest -u alice:pw -e https://ref.test/ -A 'Agent/1' https://h.test/")
        #expect(digest.authMode == .digest)
        #expect(digest.user == "alice:pw")
        let sent = try digest.request { _ in [] }
        #expect(sent.headers == [H("Accept", "*/*"), H("User-Agent", "Agent/1"), H("Referer", "https://ref.test/")])
        #expect(try CurlCommandLine.parse("curl --anyauth -u a:b https://h.test/").authMode == .any)
        let bearer = try CurlCommandLine.parse(
            "curl --oauth2-bearer \(Self.secret) --location-trusted --max-redirs 3 https://h.test/")
        #expect(bearer.bearer == Self.secret)
        #expect(bearer.locationTrusted && bearer.followRedirects)
        #expect(bearer.maxRedirects == 3)
    }

    @Test("-d @FILE is read by the caller: -d strips newlines, --data-binary keeps them")
    func dataFiles() throws {
        let read: (String) -> [UInt8] = { _ in Array("a=1\r\nb=2\n".utf8) }
        #expect(
            try CurlCommandLine.parse("curl -d @body.txt https://h.test/").request(readFile: read).body
                == Array("a=1b=2".utf8))
        #expect(
            try CurlCommandLine.parse("curl --data-binary @body.txt https://h.test/").request(readFile: read).body
                == Array("a=1\r\nb=2\n".utf8))
    }

    @Test("unknown options are listed, output-only options are listed as ignored, nothing is dropped silently")
    func unknownAndIgnored() throws {
        let command = try CurlCommandLine.parse(
            "curl -s -o /dev/null -w '%{http_code}' --frobnicate -Ž https://h.test/")
        #expect(command.ignoredOptions == ["-s", "-o", "-w"])
        #expect(command.unknownOptions == ["--frobnicate", "-?"])
        #expect(command.url == "https://h.test/")
    }

    @Test("an option that changes what is sent and cannot be reproduced is an error naming it, without its value")
    func unsupportedOptions() throws {
        for (line, option) in [
            ("curl -F 'file=@\(Self.secret)' https://h.test/", "-F"),
            ("curl -x http://proxy:3128 https://h.test/", "-x"),
            ("curl --ntlm -u a:\(Self.secret) https://h.test/", "--ntlm"), ("curl -E cert.pem https://h.test/", "-E"),
            ("curl -H @\(Self.secret).txt https://h.test/", "-H"),
            ("curl --proxy-user a:\(Self.secret) https://h.test/", "--proxy-user"),
        ] {
            #expect(throws: CurlParseError.self) { try CurlCommandLine.parse(line) }
            do {
                _ = try CurlCommandLine.parse(line)
            } catch {
                #expect(error.description.contains(option), "\(line)")
                #expect(!error.description.contains(Self.secret))
            }
        }
    }

    // MARK: bad input

    @Test("unbalanced quotes in every flavour: an error that names the quote, never the text")
    func unbalancedQuotes() {
        let lines = [
            "curl 'https://h.test/' -H 'Authorization: Bearer \(Self.secret)",
            "curl \"https://h.test/\" -H \"Authorization: Bearer \(Self.secret)",
            "curl $'https://h.test/\\' -u a:\(Self.secret)",
            "curl ^\"https://h.test/^\" -H \"a: \(Self.secret)",
            "Invoke-WebRequest -Uri \"https://h.test/\" -Headers @{ \"a\"=\"\(Self.secret)",
            "fetch(\"https://h.test/\", { \"headers\": { \"a\": \"\(Self.secret)",
        ]
        for line in lines {
            do {
                _ = try CurlCommandLine.parse(line)
                Issue.record("accepted: \(line)")
            } catch {
                if case .unbalancedQuote = error {
                } else if case .malformed = error {
                } else {
                    Issue.record("\(error) for \(line)")
                }
                #expect(!error.description.contains(Self.secret))
            }
        }
    }

    @Test("a URL without a scheme gets http:// as in curl; shell variables are noted without their names")
    func schemeAndVariables() throws {
        let command = try CurlCommandLine.parse(#"curl localhost:8080/x -u "alice:pa$word""#)
        #expect(command.url == "http://localhost:8080/x")
        #expect(command.user == "alice:pa$word")
        #expect(command.notes.count == 2)
        #expect(!command.notes.joined().contains("word"), "\(command.notes)")
    }

    @Test("no URL, several URLs, a missing value, not a curl command")
    func structuralErrors() {
        #expect(throws: CurlParseError.noURL) { try CurlCommandLine.parse("curl -H 'a: b'") }
        #expect(throws: CurlParseError.severalURLs(unknown: ["--mystery"])) {
            try CurlCommandLine.parse("curl --mystery value https://h.test/")
        }
        #expect(throws: CurlParseError.missingValue("-H")) { try CurlCommandLine.parse("curl https://h.test/ -H") }
        #expect(throws: CurlParseError.notCurl) { try CurlCommandLine.parse("wget https://h.test/") }
    }

    @Test("1 MB of garbage and random bytes end in an error or a value, quickly, never a crash")
    func garbage() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet = Array("curl -H'\"$^`\\ @{}()=;,:\n\tabc/".unicodeScalars)
        let clock = ContinuousClock()
        let started = clock.now
        var big = String.UnicodeScalarView()
        for _ in 0..<1_000_000 { big.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
        _ = try? CurlCommandLine.parse("curl " + String(big))
        _ = try? CurlCommandLine.parse(String(repeating: "^", count: 1_000_000))
        _ = try? CurlCommandLine.parse("fetch(" + String(repeating: "[", count: 500_000))
        #expect(throws: CurlParseError.tooLong) {
            try CurlCommandLine.parse(String(repeating: "a", count: (1 << 20) + 1))
        }
        for _ in 0..<2000 {
            var line = String.UnicodeScalarView()
            for _ in 0..<Int(next() % 80) { line.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
            for prefix in ["curl ", "Invoke-WebRequest ", "fetch(", ""] {
                _ = try? CurlCommandLine.parse(prefix + String(line))
            }
        }
        #expect(clock.now - started < .seconds(30))
    }
}
