// `why401 mcp`: the mapping from tool arguments to library requests (pure, in process), and the
// built binary driven over stdio by a third-party client — the MCP Python SDK (PyPI `mcp`) — against
// the embedded lab, with every cause compared to the CLI's and no secret in any result.
import Checkup
import Foundation
import HTTPAuth
import Lab
import MCP
import TestSupport
import Testing
import Why401Kit

@testable import Why401MCP

/// The tools' argument mapping, without a client: what each argument becomes in the request value.
@Suite struct MCPToolMappingTests {
    static let settings = MCPSettings(maxTime: 20)

    static func arguments(_ json: String) throws -> ToolArguments { try ToolArguments(json: json) }

    static func inputError(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as ToolInputError {
            return error.message
        } catch let error as AuditFailure {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func diagnoseURLMapsEveryArgument() throws {
        let r = try DiagnoseURLTool.request(
            Self.arguments(
                """
                {"url": " https://api.example/me ", "user": "alice", "password": "pw: with colon",
                 "bearer": "Bearer abc.def", "headers": ["X-A: 1", ["X-B", "2"]], "method": "PATCH", "digest": true}
                """), settings: Self.settings)
        #expect(r.url == "https://api.example/me")
        #expect(r.user == "alice" && r.password == "pw: with colon")
        #expect(r.bearer == "abc.def")
        #expect(r.headers.map(\.name) == ["X-A", "X-B"] && r.headers.map(\.value) == ["1", "2"])
        #expect(r.method == "PATCH")
        #expect(r.passwordMode == .digest)
        #expect(r.maxTime == 20 && r.probe.readTimeout == 10 && r.probe.deadline == 10)
        // The CLI's plan defaults.
        #expect(r.repeatCount == 3 && r.credentialBudget == 4 && !r.replayUnsafe)
    }

    @Test func diagnoseURLDefaultsAndUserColonPassword() throws {
        let r = try DiagnoseURLTool.request(
            Self.arguments(#"{"url": "http://h/", "user": "bob:s3cret:x", "headers": {"Cookie": "a=b"}}"#),
            settings: MCPSettings(maxTime: 3))
        #expect(r.user == "bob" && r.password == "s3cret:x")
        #expect(r.method == "GET" && r.passwordMode == .basic && r.bearer == nil)
        #expect(r.headers.map(\.name) == ["Cookie"])
        #expect(r.maxTime == 3 && r.probe.readTimeout == 3 && r.probe.connectTimeout == 3)
    }

    @Test func diagnoseURLRefusesBadArgumentsWithoutEchoingThem() throws {
        let secretURL = "api.example/me?token=SECRET-IN-URL"
        let cases: [(String, String)] = [
            (#"{}"#, "url is required"),
            (#"{"url": "\#(secretURL)"}"#, "url must be an absolute http(s) URL"),
            (#"{"url": "http://h/", "user": "alice"}"#, "user needs password"),
            (#"{"url": "http://h/", "password": "pw"}"#, "password needs user"),
            (#"{"url": "http://h/", "method": "GET /x"}"#, "method must be an HTTP method name"),
            (#"{"url": "http://h/", "headers": ["no colon"]}"#, "headers: each must be"),
            (#"{"url": "http://h/", "headers": [1]}"#, "headers must be a list"),
            (#"{"url": "http://h/", "digest": "yes"}"#, "digest must be true or false"),
            (#"{"url": "http://h/", "pasword": "x"}"#, "unknown argument 'pasword'"),
            (#"{"url": 5}"#, "url must be a string"),
            (#"{"url": "http://h/", "bearer": "Bearer  "}"#, "bearer is empty"),
        ]
        for (json, expected) in cases {
            let message = Self.inputError {
                _ = try DiagnoseURLTool.request(Self.arguments(json), settings: Self.settings)
            }
            #expect(message?.hasPrefix(expected) == true, "\(json): \(message ?? "no error")")
            #expect(message?.contains("SECRET") != true)
        }
    }

    @Test func diagnoseCurlReadsNoFilesAndNeverPrompts() throws {
        let r = try DiagnoseCurlTool.request(
            Self.arguments(#"{"command": "curl https://h/ -u a:b"}"#), settings: Self.settings)
        #expect(!r.readsFiles && r.password == nil && r.command == "curl")
        #expect(r.settings.maxTime == 20 && r.settings.probe.readTimeout == 10)
        guard case .text(let text) = r.input else { throw HarnessError("not text") }
        #expect(text == "curl https://h/ -u a:b")
        #expect(
            Self.inputError {
                _ = try DiagnoseCurlTool.request(Self.arguments(#"{"command": " "}"#), settings: Self.settings)
            }
                == "command is empty")
    }

    @Test func diagnoseHARTakesAPathOrText() throws {
        let file = try DiagnoseHARTool.request(Self.arguments(#"{"path": "~/x.har"}"#), home: "/home/u")
        guard case .file(let path) = file.source else { throw HarnessError("not a file") }
        #expect(path == "/home/u/x.har")
        #expect(file.redactTo == nil)
        let inline = try DiagnoseHARTool.request(Self.arguments(#"{"har": "{\"log\": {}}"}"#))
        guard case .bytes(let bytes, let name) = inline.source else { throw HarnessError("not bytes") }
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"log": {}}"# && name == "HAR text")
        #expect(
            Self.inputError { _ = try DiagnoseHARTool.request(Self.arguments("{}")) }?.hasPrefix("give path") == true)
        #expect(
            Self.inputError { _ = try DiagnoseHARTool.request(Self.arguments(#"{"path": "a", "har": "b"}"#)) }
                == "give path or har, not both")
    }

    @Test func inspectJWTKeySources() throws {
        func source(_ json: String) throws -> TokenKeySource? {
            try InspectJWTTool.request(Self.arguments(json), settings: Self.settings).key
        }
        #expect(try source(#"{"token": "a.b.c"}"#) == nil)
        #expect(try source(#"{"token": "a.b.c", "secret": "@not-a-file"}"#) == .secret("@not-a-file"))
        #expect(try source(#"{"token": "a.b.c", "jwks": "{\"keys\": []}"}"#) == .jwks(#"{"keys": []}"#))
        #expect(try source(#"{"token": "a.b.c", "jwks": "https://idp/jwks"}"#) == .jwksURL("https://idp/jwks"))
        #expect(try source(#"{"token": "a.b.c", "jwks": "/etc/jwks.json"}"#) == .jwksFile("/etc/jwks.json"))
        #expect(
            try source(#"{"token": "a.b.c", "key": "-----BEGIN PUBLIC KEY-----"}"#)
                == .pem("-----BEGIN PUBLIC KEY-----"))
        #expect(try source(#"{"token": "a.b.c", "key": "k.pem"}"#) == .pemFile("k.pem"))
        let r = try InspectJWTTool.request(
            Self.arguments(#"{"token": " Bearer a.b.c\n", "audience": "api", "issuer": "idp"}"#),
            settings: MCPSettings(maxTime: 4))
        #expect(r.token == "a.b.c" && r.audience == "api" && r.issuer == "idp" && r.timeout == 4)
        #expect(
            Self.inputError {
                _ = try InspectJWTTool.request(
                    Self.arguments(#"{"token": "t", "secret": "s", "jwks": "j"}"#), settings: Self.settings)
            } == "give at most one of secret, key, jwks")
    }

    @Test func readChallengeSplitsAPastedBlock() throws {
        let r = try ReadChallengeTool.request(
            Self.arguments(
                #"{"headers": "WWW-Authenticate: Basic realm=\"a\"\r\nWWW-Authenticate: Bearer\n", "status": 401}"#))
        #expect(r.fields.count == 2 && r.status == 401 && !r.proxy)
        let proxy = try ReadChallengeTool.request(Self.arguments(#"{"headers": ["Basic realm=\"p\""], "proxy": true}"#))
        #expect(proxy.proxy && proxy.fields == [Array(#"Basic realm="p""#.utf8)])
        #expect(Self.inputError { _ = try ReadChallengeTool.request(Self.arguments(#"{"headers": []}"#)) } != nil)
        #expect(
            Self.inputError {
                _ = try ReadChallengeTool.request(Self.arguments(#"{"headers": ["Basic"], "status": 4.5}"#))
            } != nil)
    }

    @Test func explainFindingSuggestsTheNearestIDs() throws {
        #expect(
            try ExplainFindingTool.entry(Self.arguments(#"{"id": "token.expired"}"#)).id.rawValue == "token.expired")
        let message = Self.inputError { _ = try ExplainFindingTool.entry(Self.arguments(#"{"id": "token.expird"}"#)) }
        #expect(
            message?.hasPrefix("unknown finding id 'token.expird': did you mean token.expired") == true,
            "\(message ?? "")")
    }

    @Test func settingsHaveTheCLILimits() throws {
        #expect(throws: AuditFailure.self) { try MCPSettings(maxTime: 0).validate() }
        #expect(throws: AuditFailure.self) { try MCPSettings(maxTime: 3601).validate() }
        try MCPSettings(maxTime: 60).validate()
        #expect(MCPSettings().maxTime == 60 && MCPSettings().callBound == 75)
    }

    @Test func everyToolHasAnObjectSchemaAndADescription() {
        #expect(
            Why401MCPServer.tools.map { $0.name } == [
                "diagnose_url", "diagnose_curl", "diagnose_har", "inspect_jwt", "read_challenge", "explain_finding",
            ])
        for tool in Why401MCPServer.tools {
            let definition = tool.definition
            #expect(definition.name == tool.name)
            #expect((definition.description ?? "").count > 200, "\(tool.name): say when to call it")
            #expect(definition.inputSchema.objectValue?["type"]?.stringValue == "object")
            #expect(definition.inputSchema.objectValue?["properties"]?.objectValue?.isEmpty == false)
        }
    }

    @Test func aCallNeverThrowsAndAnUnknownToolIsNil() async throws {
        let failed = try #require(
            await Why401MCPServer.call(
                name: "read_challenge", arguments: ["headers": .array([])], settings: Self.settings))
        #expect(failed.isError && failed.json == nil && failed.result.isError == true)
        // Credentials pasted by mistake: refused by the library, and not echoed.
        let pasted = try #require(
            await Why401MCPServer.call(
                name: "read_challenge", arguments: ["headers": "Authorization: Basic YWxpY2U6cGFzc3dvcmQ="],
                settings: Self.settings))
        #expect(pasted.isError && pasted.summary.contains("Authorization header"))
        #expect(!pasted.summary.contains("YWxpY2U6cGFzc3dvcmQ="))
        #expect(await Why401MCPServer.call(name: "nope", arguments: nil, settings: Self.settings) == nil)
    }

    /// Work that waits, ignoring cancellation, until the test opens the gate.
    final class Gate: @unchecked Sendable {
        private let lock = NSLock()
        private var waiting: CheckedContinuation<Int, Never>?
        private(set) var opened = false

        func wait() async -> Int {
            await withCheckedContinuation { continuation in
                let now = lock.withLock { () -> Bool in
                    if opened { return true }
                    waiting = continuation
                    return false
                }
                if now { continuation.resume(returning: 1) }
            }
        }

        func open() {
            let continuation = lock.withLock { () -> CheckedContinuation<Int, Never>? in
                opened = true
                defer { waiting = nil }
                return waiting
            }
            continuation?.resume(returning: 1)
        }
    }

    @Test func aCallIsBoundedEvenWhenTheWorkIgnoresCancellation() async throws {
        let gate = Gate()
        do {
            _ = try await UseCase.within(seconds: 0.3) { await gate.wait() }
            Issue.record("no timeout")
        } catch is CallTimeout {}
        // The bound answered while the work was still waiting (no timing asserted: a loaded test
        // machine may take long to resume the caller).
        #expect(!gate.opened)
        gate.open()
        #expect(try await UseCase.within(seconds: 600) { 7 } == 7)
    }
}

/// The built `why401 mcp` driven by the MCP Python SDK over stdio.
@Suite(.serialized) struct MCPTests {
    /// The client: starts the server, lists the tools, makes the calls of the plan on stdin in one
    /// session and prints what it got as JSON (the server's stderr goes to a file).
    static let client = """
        import asyncio, json, sys, time
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client

        async def main():
            binary, stderr_path, server_args = sys.argv[1], sys.argv[2], sys.argv[3:]
            plan = json.load(sys.stdin)
            params = StdioServerParameters(command=binary, args=["mcp"] + server_args, env={"NO_COLOR": "1"})
            with open(stderr_path, "w") as errlog:
                async with stdio_client(params, errlog=errlog) as (read, write):
                    async with ClientSession(read, write) as session:
                        init = await session.initialize()
                        listed = await session.list_tools()
                        calls = []
                        for step in plan:
                            started = time.monotonic()
                            result = await session.call_tool(step["tool"], step.get("arguments", {}))
                            calls.append({
                                "isError": bool(result.isError),
                                "texts": [c.text for c in result.content if c.type == "text"],
                                "seconds": time.monotonic() - started,
                            })
            print(json.dumps({
                "server": {"name": init.serverInfo.name, "instructions": init.instructions or ""},
                "tools": [{"name": t.name, "description": t.description or "", "inputSchema": t.inputSchema}
                          for t in listed.tools],
                "calls": calls,
            }))

        asyncio.run(main())
        """

    struct Session {
        var server: [String: Any]
        var tools: [[String: Any]]
        var calls: [Call]
        /// The server's stderr.
        var stderr: String
        /// Everything the client received, for the secret checks.
        var raw: String
    }

    struct Call {
        var isError: Bool
        var texts: [String]
        var seconds: Double
        var summary: String { texts.first ?? "" }
        /// The schema-1 report, parsed.
        var report: [String: Any] {
            get throws {
                guard texts.count == 2,
                    let object = try JSONSerialization.jsonObject(with: Data(texts[1].utf8)) as? [String: Any]
                else { throw HarnessError("no JSON report in \(texts)") }
                return object
            }
        }
    }

    /// Runs the client with `plan` (tool name and arguments per call) against `why401 mcp ARGS`.
    static func session(_ plan: [(String, [String: Any])], serverArguments: [String] = []) async throws -> Session {
        try PythonEnvironment.require(["mcp"])
        let dir = try TempDirectory(prefix: "why401-mcp")
        defer { dir.remove() }
        let script = try dir.write("mcp_client.py", client)
        let stderrPath = dir.path("server-stderr.txt")
        let planJSON = try JSONSerialization.data(
            withJSONObject: plan.map { ["tool": $0.0, "arguments": $0.1] as [String: Any] })
        let result = try await ProcessRunner.runAsync(
            PythonEnvironment.python, [script, try CLI.binary, stderrPath] + serverArguments,
            stdin: String(decoding: planJSON, as: UTF8.self), timeout: 240)
        guard result.status == 0, !result.timedOut,
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        else { throw HarnessError("the MCP client failed: \(result)") }
        let calls = (object["calls"] as? [[String: Any]] ?? []).map {
            Call(
                isError: $0["isError"] as? Bool ?? false, texts: $0["texts"] as? [String] ?? [],
                seconds: $0["seconds"] as? Double ?? -1)
        }
        return Session(
            server: object["server"] as? [String: Any] ?? [:], tools: object["tools"] as? [[String: Any]] ?? [],
            calls: calls, stderr: (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "",
            raw: result.stdout)
    }

    /// `why401 ARGS --json` (the CLI's answer to compare with), parsed.
    static func cli(_ arguments: [String], stdin: String? = nil) async throws -> [String: Any] {
        let result = try await ProcessRunner.runAsync(
            try CLI.binary, arguments + ["--json"], stdin: stdin, environment: ["NO_COLOR": "1"], timeout: 120)
        guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw HarnessError("why401 \(arguments.first ?? "") printed no JSON: \(result)")
        }
        return object
    }

    static func findingIDs(_ report: [String: Any]) -> [String] {
        (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    static func entryCauses(_ report: [String: Any]) -> [String] {
        (report["entries"] as? [[String: Any]] ?? []).map { "\($0["index"] ?? "?"):\($0["cause"] ?? "null")" }
    }

    static func token(_ lab: LabServer, scenario: String) throws -> String {
        guard case .bearer(let token) = try #require(lab.scenarios.first { $0.id == scenario }).client.credentials
        else { throw HarnessError("\(scenario) sends no token") }
        return token
    }

    @Test("The MCP Python SDK lists six tools, each with an input schema and a description")
    func listsTheTools() async throws {
        let session = try await Self.session([])
        #expect(session.server["name"] as? String == "why401")
        #expect((session.server["instructions"] as? String ?? "").contains("diagnose_url"))
        let names = session.tools.compactMap { $0["name"] as? String }
        #expect(
            names == [
                "diagnose_url", "diagnose_curl", "diagnose_har", "inspect_jwt", "read_challenge", "explain_finding",
            ])
        for tool in session.tools {
            let schema = tool["inputSchema"] as? [String: Any] ?? [:]
            #expect(schema["type"] as? String == "object", "\(tool["name"] ?? "")")
            #expect((schema["properties"] as? [String: Any])?.isEmpty == false, "\(tool["name"] ?? "")")
            #expect((tool["description"] as? String ?? "").count > 200)
        }
        let url = session.tools.first { $0["name"] as? String == "diagnose_url" }?["inputSchema"] as? [String: Any]
        let properties = (url?["properties"] as? [String: Any] ?? [:]).keys.sorted()
        #expect(properties == ["bearer", "digest", "headers", "method", "password", "url", "user"])
        #expect(url?["required"] as? [String] == ["url"])
    }

    @Test("Every tool against the lab gives the CLI's cause; errors are tool errors; no secret anywhere")
    func everyToolAgainstTheLab() async throws {
        let password = "wrong-Pw-7c1f9e"
        let curlPassword = "curl-Pw-3b8d2a"
        let harFixture = CLI.packageRoot.appendingPathComponent("Tests/ImportsTests/Fixtures/chrome-export.har").path
        let harText = try String(contentsOfFile: harFixture, encoding: .utf8)
        let challenge = #"Bearer realm="api", error="invalid_token", error_description="The access token expired""#
        try await LabServer.with { lab in
            let basic = lab.baseURL + "/basic/"
            let expired = try Self.token(lab, scenario: "bearer-expired-jwt")
            let curl = "curl '\(basic)' -u 'alice:\(curlPassword)' -H 'Accept: application/json'"
            let plan: [(String, [String: Any])] = [
                ("diagnose_url", ["url": basic, "user": "alice", "password": password]),  // 0
                ("diagnose_curl", ["command": curl]),  // 1
                ("diagnose_har", ["path": harFixture]),  // 2
                ("diagnose_har", ["har": harText]),  // 3
                ("inspect_jwt", ["token": expired]),  // 4
                ("read_challenge", ["headers": [challenge]]),  // 5
                ("explain_finding", ["id": "token.expired"]),  // 6
                ("explain_finding", ["id": "no.such-finding"]),  // 7: a tool error …
                ("diagnose_url", ["user": "alice", "password": password]),  // 8: … and another
                ("diagnose_url", ["url": lab.baseURL + "/bearer/expired-jwt/", "bearer": expired]),  // 9: still served
            ]
            let session = try await Self.session(plan)
            try #require(session.calls.count == plan.count, "\(session.raw)")
            let calls = session.calls

            // diagnose_url: the CLI's cause and findings for the same request.
            let url = try calls[0].report
            let cliURL = try await Self.cli([basic, "-u", "alice:\(password)"])
            #expect(!calls[0].isError)
            #expect(url["cause"] as? String == "credentials.rejected")
            #expect(url["cause"] as? String == cliURL["cause"] as? String)
            #expect(Self.findingIDs(url) == Self.findingIDs(cliURL))
            #expect(url["outcome"] as? String == "unauthorized" && url["command"] as? String == "check")
            #expect(calls[0].summary.contains("credentials.rejected"), "\(calls[0].summary)")
            #expect(!calls[0].summary.contains("\n"))

            // diagnose_curl: as `why401 curl`.
            let pasted = try calls[1].report
            let cliCurl = try await Self.cli(["curl", "--from", "-"], stdin: curl)
            #expect(!calls[1].isError)
            #expect(pasted["cause"] as? String == "credentials.rejected")
            #expect(Self.findingIDs(pasted) == Self.findingIDs(cliCurl))
            #expect(pasted["command"] as? String == "curl")

            // diagnose_har: by path and as text, as `why401 har`.
            let cliHAR = try await Self.cli(["har", harFixture])
            let byPath = try calls[2].report
            let byText = try calls[3].report
            #expect(!Self.entryCauses(cliHAR).isEmpty)
            #expect(Self.entryCauses(byPath) == Self.entryCauses(cliHAR))
            #expect(Self.entryCauses(byText) == Self.entryCauses(cliHAR))
            #expect(byPath["subject"] as? String == harFixture && byText["subject"] as? String == "HAR text")

            // inspect_jwt: as `why401 jwt`.
            let jwt = try calls[4].report
            let cliJWT = try await Self.cli(["jwt", expired])
            #expect(jwt["cause"] as? String == "token.expired")
            #expect(Self.findingIDs(jwt) == Self.findingIDs(cliJWT))

            // read_challenge: as `why401 challenge`.
            let read = try calls[5].report
            let cliChallenge = try await Self.cli(["challenge", challenge])
            #expect(read["cause"] as? String == cliChallenge["cause"] as? String)
            #expect(Self.findingIDs(read) == Self.findingIDs(cliChallenge) && !Self.findingIDs(read).isEmpty)

            // explain_finding: byte for byte the CLI's JSON.
            let explained = try await ProcessRunner.runAsync(
                try CLI.binary, ["explain", "token.expired", "--json"], timeout: 60)
            #expect(calls[6].texts.last == explained.stdout)
            #expect(calls[6].summary.hasPrefix("token.expired — "))

            // Errors: one line, isError, no report; the server keeps answering.
            #expect(calls[7].isError && calls[7].texts.count == 1)
            #expect(calls[7].summary.hasPrefix("unknown finding id 'no.such-finding'"), "\(calls[7].summary)")
            #expect(calls[8].isError && calls[8].summary == "url is required")
            #expect(!calls[9].isError)
            #expect(try calls[9].report["cause"] as? String == "token.expired")

            // Every report is schema 1.
            for index in [0, 1, 2, 4, 5, 6, 9] {
                #expect(try SchemaValidator.validate(calls[index].texts[1]) == nil, "call \(index)")
            }

            // Secrets given to a tool appear in no result and not on the server's stderr.
            let signature = String(expired.split(separator: ".").last ?? "")
            let secrets = [
                password, curlPassword, expired, signature, String(expired.dropFirst(12)),
                Base64.encode(Array("alice:\(password)".utf8)), Base64.encode(Array("alice:\(curlPassword)".utf8)),
            ]
            for secret in secrets {
                #expect(!session.raw.contains(secret), "a tool result shows a secret")
                #expect(!session.stderr.contains(secret), "the server's stderr shows a secret")
            }
            for (index, call) in calls.enumerated() {
                for text in call.texts {
                    #expect(!secrets.contains { text.contains($0) }, "call \(index) shows a secret")
                }
            }
        }
    }

    @Test("A target that accepts and never answers: the call returns within --max-time, the server goes on")
    func aHungTargetIsBounded() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let session = try await Self.session(
            [
                ("diagnose_url", ["url": listener.url + "/", "user": "alice", "password": "hang-Pw-9a2c"]),
                ("diagnose_curl", ["command": "curl --max-time 100 \(listener.url)/slow"]),
                ("explain_finding", ["id": "credentials.rejected"]),
            ], serverArguments: ["--max-time", "2"])
        try #require(session.calls.count == 3, "\(session.raw)")
        let bound = MCPSettings(maxTime: 2).callBound
        for call in session.calls.prefix(2) {
            #expect(call.isError, "\(call.texts)")
            #expect(call.seconds < bound, "took \(call.seconds) s")
            #expect(!call.summary.isEmpty && !call.summary.contains("\n"))
        }
        // The first has what the plan tried (as the CLI prints it before its exit-3 line).
        #expect(try session.calls[0].report["outcome"] as? String == "error")
        #expect(!session.calls[2].isError)
        #expect(!session.raw.contains("hang-Pw-9a2c") && !session.stderr.contains("hang-Pw-9a2c"))
    }

    @Test func aBadMaxTimeIsAUsageError() throws {
        let result = try CLI.run(["mcp", "--max-time", "0"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--max-time must be between 0 and 3600 seconds"), "\(result.stderr)")
    }
}
