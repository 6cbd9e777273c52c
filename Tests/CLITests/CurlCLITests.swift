// `why401 curl` end to end: the real `curl` and the built why401 send the same command line to a real
// Apache httpd on loopback; what Apache received from each (mod_log_forensic: every request header as
// it arrived; a CGI script: the body) is compared field by field.
import Foundation
import TestSupport
import Testing

@Suite("why401 curl: the pasted command's request, compared with the real curl's", .serialized)
struct CurlCLITests {
    static let user = "alice"
    static let password = "Zq9-curl-PW-8812"
    static let token = "tok-Zq9-curl-BEARER-5521"
    static let cookie = "ck-Zq9-SESSION-3390"
    static var goodBasic: String { "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() }

    /// Every form in which a secret could leak.
    static var secrets: [String] {
        [
            password, token, cookie, Data("\(user):\(password)".utf8).base64EncodedString(),
            Data("\(user):Wrong-\(password)".utf8).base64EncodedString(),
        ]
    }

    /// Answers 200 to the right Basic credentials, 401 with a Basic challenge otherwise; keeps each body.
    static var script: String {
        """
        #!/bin/sh
        dir="$(dirname "$SCRIPT_FILENAME")/../bodies"
        cat > "$dir/$(date +%s%N)"
        if [ "$QUERY_STRING" = "go" ]; then
          printf 'Status: 302 Found\\r\\nLocation: /api/echo\\r\\n\\r\\n'
        elif [ "$HTTP_AUTHORIZATION" = "\(goodBasic)" ]; then
          printf 'Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nok\\n'
        else
          printf 'Status: 401 Unauthorized\\r\\nWWW-Authenticate: Basic realm="api"\\r\\n'
          printf 'Content-Type: text/plain\\r\\n\\r\\nno\\n'
        fi
        """
    }

    static let config = """
        ForensicLog "{{ROOT}}/logs/forensic.log"
        ScriptAlias /api/ "{{ROOT}}/cgi/"
        <Directory "{{ROOT}}/cgi">
            Options +ExecCGI
            CGIPassAuth On
            Require all granted
        </Directory>
        """

    static var files: [ServerFile] { [.script("cgi/echo", script), .directory("bodies", mode: 0o777)] }

    /// One request as Apache received it.
    struct Received: Equatable, CustomStringConvertible {
        var requestLine: String
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        static func == (a: Received, b: Received) -> Bool {
            a.requestLine == b.requestLine && a.body == b.body
                && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" }
        }

        var description: String {
            requestLine + " " + headers.map { "\($0.name): \($0.value)" }.joined(separator: " | ")
                + " body=\(body.count)"
        }

        func values(_ name: String) -> [String] { headers.filter { $0.name.lowercased() == name }.map(\.value) }
    }

    /// What Apache received since the last call, in order (the forensic log and the CGI's bodies), then cleared.
    /// why401's request as given among what the server received. The plan sends the request without
    /// credentials alongside it (concurrently), so that one may arrive first; the request as given is
    /// the first that carries everything the user set (the other lacks the credential headers).
    static func asGiven(_ received: [Received]) -> Received? {
        received.max { $0.headers.count < $1.headers.count }
    }

    static func take(_ apache: ApacheServer) async throws -> [Received] {
        let logPath = apache.directory.path("logs/forensic.log")
        // The forensic log's "-ID" line is written when the request is done.
        try await Task.sleep(for: .milliseconds(200))
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let bodiesDir = apache.directory.path("bodies")
        let names = try FileManager.default.contentsOfDirectory(atPath: bodiesDir).sorted()
        let bodies = try names.map { Array(try Data(contentsOf: URL(fileURLWithPath: bodiesDir + "/" + $0))) }
        for name in names { try FileManager.default.removeItem(atPath: bodiesDir + "/" + name) }
        try Data().write(to: URL(fileURLWithPath: logPath))
        var received: [Received] = []
        for line in text.split(separator: "\n") where line.hasPrefix("+") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 2 else { continue }
            let headers = fields.dropFirst(2).map { field -> (String, String) in
                guard let colon = field.firstIndex(of: ":") else { return (percentDecoded(field), "") }
                return (
                    percentDecoded(String(field[..<colon])), percentDecoded(String(field[field.index(after: colon)...]))
                )
            }
            received.append(Received(requestLine: percentDecoded(fields[1]), headers: headers, body: []))
        }
        for (index, body) in bodies.enumerated() where index < received.count { received[index].body = body }
        return received
    }

    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(text.utf8)
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "%"), i + 2 < input.count,
                let v = UInt8(String(decoding: input[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(v)
                i += 3
            } else {
                bytes.append(input[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Field by field: request line, every header (name, value, repeats) but the connection handling
    /// and the agent each client adds itself, and the body.
    static func expectSame(
        _ curl: Received, _ why401: Received, userAgentGiven: Bool, _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(curl.requestLine == why401.requestLine, "\(label)", sourceLocation: sourceLocation)
        #expect(curl.body == why401.body, "\(label): bodies differ", sourceLocation: sourceLocation)
        var skip: Set<String> = ["connection", "accept-encoding"]
        if !userAgentGiven { skip.insert("user-agent") }
        func fields(_ r: Received) -> [String] {
            r.headers.filter { !skip.contains($0.name.lowercased()) }.map { "\($0.name.lowercased()): \($0.value)" }
                .sorted()
        }
        #expect(
            fields(curl) == fields(why401), "\(label)\ncurl:   \(curl)\nwhy401: \(why401)",
            sourceLocation: sourceLocation)
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object:\n\(text)")
    }

    static func expectNoSecrets(
        _ result: ProcessResult, _ label: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for secret in secrets {
            #expect(
                !result.stdout.contains(secret) && !result.stderr.contains(secret), "\(label): a secret leaked",
                sourceLocation: sourceLocation)
        }
    }

    // MARK: the same request as curl

    struct Case {
        var label: String
        var words: [String]
        var userAgentGiven = false
        var status: Int32 = 1
        var unsafe: String?
    }

    static var cases: [Case] {
        [
            Case(
                label: "Chrome-style: headers, -b cookies, --data-raw, --compressed",
                words: [
                    "{{URL}}", "-H", "accept: application/json", "-H", "authorization: Bearer \(token)", "-b",
                    "sid=\(cookie); theme=dark",
                    "-H", "user-agent: Mozilla/5.0 (X11; Linux x86_64)", "--data-raw", #"{"note":"it's 50% off"}"#,
                    "--compressed",
                ], userAgentGiven: true, unsafe: "POST"),
            Case(
                label: "-u, -A, -e, -X PUT --json, output options",
                words: [
                    "-s", "-o", "/dev/null", "-u", "\(user):\(password)", "-A", "Agent/1.0", "-e",
                    "https://ref.example/", "-X", "PUT", "--json", #"{"a":1}"#, "{{URL}}",
                ],
                userAgentGiven: true, status: 0, unsafe: "PUT"),
            Case(
                label: "-G with -d and --data-urlencode, --oauth2-bearer, an API key header",
                words: [
                    "-G", "-d", "q=1", "--data-urlencode", "name=a b&c", "--oauth2-bearer", token, "-H",
                    "X-Api-Key: k-1", "{{URL}}?x=0",
                ]),
            Case(
                label: "-I, a removed User-Agent, an empty header, -L -k",
                words: ["-I", "-H", "User-Agent:", "-H", "X-Empty;", "-Lk", "{{URL}}"], userAgentGiven: true),
            Case(
                label: "-b FILE (a Netscape cookie jar), -d @FILE (newlines stripped), --data-binary @FILE",
                words: ["-b", "{{JAR}}", "-d", "@{{BODY}}", "--data-binary", "@{{BODY}}", "{{URL}}"], unsafe: "POST"),
            Case(
                label: "-d pieces, own Content-Type, wrong -u password, a cookie string",
                words: [
                    "-d", "a=1", "-d", "b=2", "-H", "Content-Type: text/plain", "-u", "\(user):Wrong-\(password)", "-b",
                    "k=\(cookie)", "{{URL}}",
                ],
                unsafe: "POST"),
        ]
    }

    @Test("each command line: Apache received from why401's first request exactly what it received from curl")
    func sameAsCurl() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: Self.config, files: Self.files, options: ApacheOptions(extraModules: ["log_forensic"])
        ) { apache in
            let url = apache.url("/api/echo")
            let jar = try apache.directory.write(
                "jar.txt", "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/api\tFALSE\t0\tjarred\t\(Self.cookie)\n")
            let body = try apache.directory.write("body.txt", "a=1\r\nb=2\n")
            for item in Self.cases {
                let words = item.words.map {
                    $0.replacingOccurrences(of: "{{URL}}", with: url).replacingOccurrences(of: "{{JAR}}", with: jar)
                        .replacingOccurrences(of: "{{BODY}}", with: body)
                }
                let curl = try ProcessRunner.run("curl", ["-s", "-o", "/dev/null"] + words, timeout: 30)
                #expect(curl.status == 0, "\(curl)")
                let fromCurl = try await Self.take(apache)
                try #require(fromCurl.count == 1, "\(item.label): curl sent \(fromCurl)")
                #expect(fromCurl[0].values("host") == ["127.0.0.1:\(apache.port)"], "\(fromCurl[0])")

                let run = try CLI.run(["curl", "--json", "--"] + words)
                #expect(run.status == item.status, "\(item.label): \(run)")
                Self.expectNoSecrets(run, item.label)
                let fromWhy401 = try await Self.take(apache)
                try #require(!fromWhy401.isEmpty, "\(item.label): \(run)")
                Self.expectSame(
                    fromCurl[0], try #require(Self.asGiven(fromWhy401)), userAgentGiven: item.userAgentGiven, item.label
                )
                if let unsafe = item.unsafe {
                    // The live check's policy: an unsafe method goes once, as given; the plan learns with GET.
                    #expect(
                        fromWhy401.filter { $0.requestLine.hasPrefix(unsafe + " ") }.count == 1,
                        "\(item.label): \(fromWhy401)")
                    #expect(fromWhy401.dropFirst().allSatisfy { $0.body.isEmpty }, "\(item.label)")
                }
                let object = try Self.json(run.stdout)
                #expect(object["command"] as? String == "curl")
                #expect(try SchemaValidator.validate(run.stdout) == nil)
            }
        }
    }

    @Test(
        """
        a whole pasted bash line ($'…', \\-continuations, double quotes): real bash + curl vs why401 (argument and \
        --from -)
        """
    )
    func wholeLineAsBashReadsIt() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: Self.config, files: Self.files, options: ApacheOptions(extraModules: ["log_forensic"])
        ) { apache in
            let url = apache.url("/api/echo")
            let line = """
                curl '\(url)?a=1&b=2' \\
                  -H $'X-Tab: a\\tb' \\
                  -H "Authorization: Bearer \(Self.token)" \\
                  -H 'Cookie: sid=\(Self.cookie)' \\
                  --data-binary $'line1\\nline2 \\'quoted\\'' \\
                  --compressed
                """
            let bash = try ProcessRunner.run("bash", ["-c", line + " -s -o /dev/null"], timeout: 30)
            #expect(bash.status == 0, "\(bash)")
            let fromCurl = try await Self.take(apache)
            try #require(fromCurl.count == 1)
            #expect(fromCurl[0].body == Array("line1\nline2 'quoted'".utf8))

            let asArgument = try CLI.run(["curl", "--json", line])
            #expect(asArgument.status == 1, "\(asArgument)")
            Self.expectNoSecrets(asArgument, "argument")
            let fromArgument = try await Self.take(apache)
            try #require(!fromArgument.isEmpty)
            Self.expectSame(
                fromCurl[0], try #require(Self.asGiven(fromArgument)), userAgentGiven: false, "one argument")
            let plan = try Self.json(asArgument.stdout)["plan"] as? [String] ?? []
            #expect(plan.contains { $0.hasPrefix("read as curl (bash): POST") }, "\(plan)")
            #expect(plan.contains { $0.contains("--compressed not sent") }, "\(plan)")

            let fromStdin = try CLI.run(["curl", "--from", "-", "--format", "markdown"], stdin: line)
            #expect(fromStdin.status == 1, "\(fromStdin)")
            Self.expectNoSecrets(fromStdin, "stdin")
            let viaStdin = try await Self.take(apache)
            try #require(!viaStdin.isEmpty)
            Self.expectSame(fromCurl[0], try #require(Self.asGiven(viaStdin)), userAgentGiven: false, "--from -")
        }
    }

    @Test("why401 URL --from-curl sends what why401 curl sends, and lists unknown options in the Plan")
    func fromCurlOption() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: Self.config, files: Self.files, options: ApacheOptions(extraModules: ["log_forensic"])
        ) { apache in
            let url = apache.url("/api/echo")
            let line =
                """
                curl '\(url)' -H 'X-Api-Key: k-\(Self.cookie)' -u '\(Self.user):Wrong-\(Self.password)' \
                --frobnicate --wibble-wobble -v
                """
            let viaCurl = try CLI.run(["curl", line])
            #expect(viaCurl.status == 1, "\(viaCurl)")
            Self.expectNoSecrets(viaCurl, "curl text")
            #expect(
                viaCurl.stdout.contains("unknown options, not applied: --frobnicate, --wibble-wobble"),
                "\(viaCurl.stdout)")
            #expect(viaCurl.stdout.contains("options that change nothing sent, ignored: -v"), "\(viaCurl.stdout)")
            let first = try await Self.take(apache)

            let viaCheck = try CLI.run(["--from-curl", line, "--json"])
            #expect(viaCheck.status == 1, "\(viaCheck)")
            Self.expectNoSecrets(viaCheck, "--from-curl")
            let plan = try Self.json(viaCheck.stdout)["plan"] as? [String] ?? []
            #expect(plan.contains("unknown options, not applied: --frobnicate, --wibble-wobble"), "\(plan)")
            let second = try await Self.take(apache)
            try #require(!first.isEmpty && !second.isEmpty)
            let (curlAsGiven, checkAsGiven) = (try #require(Self.asGiven(first)), try #require(Self.asGiven(second)))
            Self.expectSame(curlAsGiven, checkAsGiven, userAgentGiven: false, "--from-curl")
            #expect(curlAsGiven.values("authorization").count == 1)

            let both = try CLI.run([url, "--from-curl", line])
            #expect(both.status == 2, "\(both)")

            // -u USER without a password: as curl would prompt, why401 takes WHY401_PASSWORD (or a no-echo prompt).
            let prompted = try CLI.run(["curl", url, "-u", Self.user], environment: ["WHY401_PASSWORD": Self.password])
            #expect(prompted.status == 0, "\(prompted)")
            Self.expectNoSecrets(prompted, "-u USER")
            let withPrompt = try await Self.take(apache)
            #expect(Self.asGiven(withPrompt)?.values("authorization") == [Self.goodBasic])
        }
    }

    @Test(
        "without -L the plan still follows a redirect and says curl would have stopped; --location-trusted is explained"
    )
    func redirects() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: Self.config, files: Self.files, options: ApacheOptions(extraModules: ["log_forensic"])
        ) { apache in
            let url = apache.url("/api/echo?go")
            let plain = try CLI.run(["curl", "--json", "--", url, "-u", "\(Self.user):\(Self.password)"])
            let plainPlan = try Self.json(plain.stdout)["plan"] as? [String] ?? []
            #expect(plainPlan.contains { $0.contains("no -L, so curl stops at the redirect") }, "\(plainPlan)")
            #expect(plain.status == 0, "\(plain)")
            let trusted = try CLI.run([
                "curl", "--json", "--", url, "-u", "\(Self.user):\(Self.password)", "--location-trusted",
            ])
            let trustedPlan = try Self.json(trusted.stdout)["plan"] as? [String] ?? []
            #expect(!trustedPlan.contains { $0.contains("no -L") }, "\(trustedPlan)")
            #expect(
                trustedPlan.contains {
                    $0.hasPrefix("--location-trusted: why401 still never sends credentials to another origin")
                }, "\(trustedPlan)")
            Self.expectNoSecrets(trusted, "--location-trusted")
        }
    }

    // MARK: bad input

    @Test("bad input: unbalanced quotes, an unsupported option, 1 MB of garbage → exit 2, one line, no secret, no hang")
    func badInput() throws {
        let dir = try TempDirectory(prefix: "why401-curl")
        defer { dir.remove() }
        var garbage = [UInt8](repeating: 0, count: 1_000_000)
        var state: UInt64 = 42
        for i in garbage.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            garbage[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        garbage.replaceSubrange(0..<5, with: Array("curl ".utf8))
        let garbagePath = try dir.write("garbage.txt", Data(garbage))
        let quoteGarbage =
            "curl 'http://127.0.0.1:9/ -u a:\(Self.password) " + String(repeating: "x' \"", count: 249_990) + "'"
        let runs: [(String, [String], String?)] = [
            ("unbalanced single quote", ["curl", "curl 'http://127.0.0.1:9/' -u 'alice:\(Self.password)"], nil),
            (
                "unbalanced double quote",
                ["curl", "curl \"http://127.0.0.1:9/\" -H \"Authorization: Bearer \(Self.token)"], nil
            ),
            ("unbalanced cmd quote", ["curl", "curl ^\"http://127.0.0.1:9/^\" -H \"Cookie: s=\(Self.cookie)"], nil),
            ("-F", ["curl", "http://127.0.0.1:9/", "-F", "f=\(Self.token)"], nil),
            ("--ntlm", ["--from-curl", "curl http://127.0.0.1:9/ --ntlm -u a:\(Self.password)"], nil),
            ("1 MB random bytes from a file", ["curl", "--from", garbagePath], nil),
            ("1 MB random bytes on stdin", ["curl", "--from", "-"], String(decoding: garbage, as: UTF8.self)),
            ("1 MB of quotes on stdin", ["curl", "--from", "-"], quoteGarbage),
            ("2 MB on stdin", ["curl", "--from", "-"], String(repeating: "curl ", count: 400_000)),
            ("nothing", ["curl"], nil),
        ]
        for (label, arguments, stdin) in runs {
            let started = Date()
            let result = try CLI.run(arguments, stdin: stdin)
            #expect(result.status == 2, "\(label): \(result.description.prefix(2000))")
            #expect(!result.timedOut && !result.killedBySignal, "\(label)")
            #expect(Date().timeIntervalSince(started) < 20, "\(label)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("why401: "), "\(label): \(result.stderr.prefix(500))")
            #expect(result.stdout.isEmpty, "\(label)")
            Self.expectNoSecrets(result, label)
        }
        let unsupported = try CLI.run(["curl", "http://127.0.0.1:9/", "-F", "f=\(Self.token)"])
        #expect(unsupported.stderr.contains("-F"), "\(unsupported)")
    }
}
