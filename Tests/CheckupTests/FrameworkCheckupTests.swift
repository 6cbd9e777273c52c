// `why401 URL` against real application servers from PyPI on loopback: Django REST framework,
// FastAPI (uvicorn), Flask-HTTPAuth, httpbin (gunicorn) and mitmproxy in reverse mode. Each case
// asserts the cause a person fixing that 401 needs.
import Checkup
import Diagnosis
import Evidence
import Foundation
import TestSupport
import Testing

/// One check with any request shape.
func checkRun(_ url: String, configure: (inout CheckRequest) -> Void) async -> CheckRun {
    var request = CheckRequest(url: url)
    request.maxTime = 30
    configure(&request)
    let outcome = await Checkup.run(request)
    return CheckRun(outcome: outcome, findings: ClientRules.run(outcome.evidence))
}

@Suite("Checkup against real application servers (PyPI)", .serialized)
struct FrameworkCheckupTests {
    static let env = FrameworkApps.environment

    // MARK: Django REST framework

    @Test("DRF: Token, Session (403 without a challenge), Basic and a permission check")
    func djangoRestFramework() async throws {
        try PythonEnvironment.require(["django", "rest_framework"])
        try await withPythonApp(files: ["app.py": FrameworkApps.django], arguments: ["app.py"], environment: Self.env) {
            app in
            let missing = await checkRun(app.url("/token/me")) { _ in }
            log("drf token missing", missing)
            #expect(missing.finalStatus == 401 && missing.cause == "credentials.missing", "\(missing.summary)")
            #expect(
                missing.finding("credentials.missing")?.fix.contains { $0.contains("Authorization: Token") } == true,
                "\(missing.findings.map(\.fix))")

            let wrong = await checkRun(app.url("/token/me")) {
                $0.headers = [HeaderField("Authorization", "Token wrong-token-value")]
            }
            log("drf token wrong", wrong)
            #expect(wrong.cause == "token.invalid", "\(wrong.summary)")
            #expect(
                wrong.findings.first?.evidence.contains { $0.contains("Invalid token.") } == true, "\(wrong.summary)")
            #expect(!wrong.ids.contains("credentials.not-received"), "\(wrong.summary)")

            let right = await checkRun(app.url("/token/me")) {
                $0.headers = [HeaderField("Authorization", "Token \(FrameworkApps.token)")]
            }
            #expect(right.finalStatus == 200 && right.errorIDs.isEmpty, "\(right.summary)")

            let session = await checkRun(app.url("/session/me")) { _ in }
            log("drf session missing (403)", session)
            #expect(session.finalStatus == 403, "\(session.summary)")
            #expect(session.cause == "credentials.missing", "\(session.summary)")
            #expect(session.ids.contains("status.forbidden-semantics"), "\(session.summary)")

            let sessionWrong = await checkRun(app.url("/session/me")) {
                $0.user = "alice"
                $0.password = "Wrong-pass-1"
            }
            log("drf session, wrong basic (403)", sessionWrong)
            #expect(
                sessionWrong.finalStatus == 403 && sessionWrong.cause == "credentials.rejected",
                "\(sessionWrong.summary)")
            #expect(sessionWrong.ids.contains("status.forbidden-semantics"), "\(sessionWrong.summary)")

            let basicWrong = await checkRun(app.url("/basic/me")) {
                $0.user = "alice"
                $0.password = "Wrong-pass-1"
            }
            log("drf basic wrong", basicWrong)
            #expect(basicWrong.cause == "credentials.rejected", "\(basicWrong.summary)")
            #expect(
                basicWrong.findings.first?.evidence.contains { $0.contains("Invalid username/password.") } == true,
                "\(basicWrong.summary)")
            // Fixes fit the server in front of the user: Django REST framework's, never htpasswd.
            let rejectedFix = basicWrong.finding("credentials.rejected")?.fix.joined(separator: "\n") ?? ""
            #expect(
                rejectedFix.contains("Django REST framework") && rejectedFix.contains("changepassword alice"),
                "\(rejectedFix)")
            #expect(!rejectedFix.contains("htpasswd"), "\(rejectedFix)")

            let forbidden = await checkRun(app.url("/admin/stats")) {
                $0.user = "bob"
                $0.password = FrameworkApps.password
            }
            log("drf permission denied", forbidden)
            #expect(forbidden.finalStatus == 403, "\(forbidden.summary)")
            #expect(forbidden.ids.contains("authz.forbidden"), "\(forbidden.summary)")
            #expect(forbidden.errorIDs.isEmpty, "\(forbidden.summary)")
        }
    }

    // MARK: FastAPI

    @Test("FastAPI: HTTPBearer JWT (missing, expired, garbage, scope), X-API-Key, HTTPBasic")
    func fastAPI() async throws {
        try PythonEnvironment.require(["fastapi", "uvicorn", "jwt"])
        try await withPythonApp(files: ["app.py": FrameworkApps.fastapi], arguments: ["app.py"], environment: Self.env)
        { app in
            let missing = await checkRun(app.url("/items")) { _ in }
            log("fastapi missing", missing)
            #expect(missing.finalStatus == 401 && missing.cause == "credentials.missing", "\(missing.summary)")
            #expect(missing.finding("responder.identified")?.detail.contains("FastAPI") == true, "\(missing.summary)")
            #expect(missing.finding("credentials.missing")?.fix.contains { $0.contains("security dependency") } == true)

            let expired = try FrameworkApps.jwt(expiresIn: -3600)
            let old = await checkRun(app.url("/items")) { $0.bearer = expired }
            log("fastapi expired", old)
            #expect(old.cause == "token.expired", "\(old.summary)")
            #expect(!old.ids.contains("credentials.not-received"), "\(old.summary)")

            let garbage = await checkRun(app.url("/items")) { $0.bearer = "not-a-valid-token-1234" }
            log("fastapi garbage token", garbage)
            #expect(garbage.cause == "token.invalid", "\(garbage.summary)")
            #expect(!garbage.ids.contains("credentials.not-received"), "\(garbage.summary)")

            let readOnly = try FrameworkApps.jwt(expiresIn: 3600, scope: "read")
            let scoped = await checkRun(app.url("/admin")) { $0.bearer = readOnly }
            log("fastapi scope", scoped)
            #expect(scoped.cause == "token.insufficient-scope", "\(scoped.summary)")

            let good = await checkRun(app.url("/items")) { $0.bearer = readOnly }
            #expect(good.finalStatus == 200 && good.errorIDs.isEmpty, "\(good.summary)")

            let key = await checkRun(app.url("/keyed")) { $0.headers = [HeaderField("X-API-Key", "wrong-key-0000")] }
            log("fastapi wrong api key", key)
            #expect(key.cause == "credentials.rejected", "\(key.summary)")
            #expect(key.findings.first?.detail.contains("X-API-Key") == true, "\(key.findings.first?.detail ?? "")")
            #expect(
                !key.outcome.evidence.steps.flatMap { $0.exchange.request.headers.map(\.value) }.contains(
                    "wrong-key-0000"))

            let basic = await checkRun(app.url("/basic")) {
                $0.user = "alice"
                $0.password = "Wrong-pass-1"
            }
            log("fastapi basic wrong", basic)
            #expect(basic.cause == "credentials.rejected", "\(basic.summary)")
        }
    }

    // MARK: Flask-HTTPAuth

    @Test("Flask-HTTPAuth: a wrong password and a wrong token are refusals, not lost headers")
    func flaskHTTPAuth() async throws {
        try PythonEnvironment.require(["flask", "flask_httpauth"])
        try await withPythonApp(files: ["app.py": FrameworkApps.flask], arguments: ["app.py"], environment: Self.env) {
            app in
            let basic = await checkRun(app.url("/basic")) {
                $0.user = "alice"
                $0.password = "Wrong-pass-1"
            }
            log("flask basic wrong", basic)
            #expect(basic.cause == "credentials.rejected", "\(basic.summary)")

            let token = await checkRun(app.url("/token")) { $0.bearer = "wrong-token-value" }
            log("flask token wrong", token)
            #expect(token.cause == "credentials.rejected", "\(token.summary)")
            // A token: no "retype the password".
            #expect(
                !(token.finding("credentials.rejected")?.fix.joined().contains("Retype") ?? true), "\(token.summary)")
            #expect(!token.ids.contains("credentials.not-received"), "\(token.summary)")

            let good = await checkRun(app.url("/token")) { $0.bearer = FrameworkApps.token }
            #expect(good.finalStatus == 200 && good.errorIDs.isEmpty, "\(good.summary)")

            // HTTPDigestAuth keeps its nonce in Flask's session cookie, set on the 401.
            let digest = await checkRun(app.url("/digest")) {
                $0.user = "alice"
                $0.password = FrameworkApps.password
                $0.passwordMode = .digest
            }
            log("flask digest", digest)
            #expect(digest.finalStatus == 200 && digest.errorIDs.isEmpty, "\(digest.summary)")
            let digestWrong = await checkRun(app.url("/digest")) {
                $0.user = "alice"
                $0.password = "Wrong-pass-1"
                $0.passwordMode = .digest
            }
            #expect(digestWrong.cause == "credentials.rejected", "\(digestWrong.summary)")
            // -u without --digest: Basic to a Digest-only area, the same password proven by the Digest answer.
            let basicToDigest = await checkRun(app.url("/digest")) {
                $0.user = "alice"
                $0.password = FrameworkApps.password
            }
            #expect(basicToDigest.cause == "credentials.scheme-mismatch", "\(basicToDigest.summary)")
        }
    }

    // MARK: httpbin (gunicorn)

    @Test("httpbin Digest: the cookie set on the 401 goes back with the answer → 200")
    func httpbinDigest() async throws {
        try PythonEnvironment.require(["httpbin", "gunicorn"])
        try await withPythonApp(
            files: [:], arguments: ["-m", "gunicorn", "-b", "127.0.0.1:{{PORT}}", "-w", "1", "httpbin:app"]
        ) { app in
            let run = await checkRun(app.url("/digest-auth/auth/user/passwd/MD5")) {
                $0.user = "user"
                $0.password = "passwd"
                $0.passwordMode = .digest
            }
            log("httpbin digest", run)
            #expect(run.finalStatus == 200, "\(run.summary)")
            #expect(run.errorIDs.isEmpty, "\(run.summary)")

            let wrong = await checkRun(app.url("/digest-auth/auth/user/passwd/MD5")) {
                $0.user = "user"
                $0.password = "wrong"
                $0.passwordMode = .digest
            }
            #expect(wrong.finalStatus == 401 && wrong.cause == "credentials.rejected", "\(wrong.summary)")

            let bearer = await checkRun(app.url("/bearer")) { _ in }
            #expect(bearer.cause == "credentials.missing", "\(bearer.summary)")

            let sha256 = await checkRun(app.url("/digest-auth/auth/user/passwd/SHA-256")) {
                $0.user = "user"
                $0.password = "passwd"
                $0.passwordMode = .digest
            }
            #expect(sha256.finalStatus == 200 && sha256.errorIDs.isEmpty, "\(sha256.summary)")

            let basicWrong = await checkRun(app.url("/basic-auth/user/passwd")) {
                $0.user = "user"
                $0.password = "wrong"
            }
            #expect(basicWrong.cause == "credentials.rejected", "\(basicWrong.summary)")
            let basicRight = await checkRun(app.url("/basic-auth/user/passwd")) {
                $0.user = "user"
                $0.password = "passwd"
            }
            #expect(basicRight.finalStatus == 200 && basicRight.errorIDs.isEmpty, "\(basicRight.summary)")
        }
    }

    // MARK: aiohttp: a Digest nonce kept in a session cookie

    @Test("aiohttp Digest with the nonce in a session cookie: the cookie set on the 401 goes back → 200")
    func digestNonceInSessionCookie() async throws {
        try PythonEnvironment.require(["aiohttp"])
        try await withPythonApp(
            files: ["app.py": FrameworkApps.aiohttpDigestSession], arguments: ["app.py"], environment: Self.env
        ) { app in
            let run = await checkRun(app.url("/status")) {
                $0.user = "admin"
                $0.password = FrameworkApps.password
                $0.passwordMode = .digest
            }
            log("aiohttp digest session cookie", run)
            #expect(run.finalStatus == 200, "\(run.summary)")
            #expect(run.errorIDs.isEmpty, "\(run.summary)")
            let answer = try #require(run.evidence.first(.asGiven))
            #expect(answer.exchange.request.headers.first("Cookie")?.hasPrefix("sid=") == true, "\(run.summary)")
            #expect(
                run.outcome.notes.contains { $0.hasPrefix("cookies the server set on its 401") }, "\(run.outcome.notes)"
            )

            let wrong = await checkRun(app.url("/status")) {
                $0.user = "admin"
                $0.password = "Wrong-pass-1"
                $0.passwordMode = .digest
            }
            #expect(wrong.finalStatus == 401 && wrong.cause == "credentials.rejected", "\(wrong.summary)")
        }
    }

    // MARK: an MCP server (MCP Python SDK)

    @Test("MCP server, no token: invalid_token without a token is credentials.missing, with what discovery found")
    func mcpServerWithoutToken() async throws {
        try PythonEnvironment.require(["mcp", "uvicorn"])
        try await withPythonApp(files: ["app.py": FrameworkApps.mcp], arguments: ["app.py"], environment: Self.env) {
            app in
            let run = await checkRun(app.url("/mcp")) {
                $0.method = "POST"
                $0.headers = [
                    HeaderField("Content-Type", "application/json"),
                    HeaderField("Accept", "application/json, text/event-stream"),
                ]
                $0.body = Array(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#.utf8)
            }
            log("mcp no token", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            #expect(run.cause == "credentials.missing", "\(run.summary)")
            #expect(!run.ids.contains("token.invalid"), "\(run.summary)")
            let missing = try #require(run.finding("credentials.missing"))
            #expect(
                missing.evidence.contains { $0.contains("token endpoint: \(app.baseURL)/token") }, "\(missing.evidence)"
            )
            #expect(missing.evidence.contains { $0 == "scopes supported: mcp:tools" }, "\(missing.evidence)")
            #expect(run.evidence.steps.filter { $0.exchange.request.method == "POST" }.count == 1, "\(run.summary)")

            let wrong = await checkRun(app.url("/mcp")) {
                $0.method = "POST"
                $0.bearer = "wrong-mcp-token"
                $0.headers = [
                    HeaderField("Content-Type", "application/json"),
                    HeaderField("Accept", "application/json, text/event-stream"),
                ]
                $0.body = Array(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#.utf8)
            }
            log("mcp wrong token", wrong)
            #expect(wrong.cause == "token.invalid", "\(wrong.summary)")
        }
    }

    // MARK: mitmproxy with --proxyauth in front of an application

    @Test("mitmproxy reverse proxy with --proxyauth before FastAPI: proxy.second-auth-layer")
    func mitmproxyConsumesTheHeader() async throws {
        try PythonEnvironment.require(["fastapi", "uvicorn", "jwt", "mitmproxy"])
        try await withPythonApp(files: ["app.py": FrameworkApps.fastapi], arguments: ["app.py"], environment: Self.env)
        { api in
            try await withPythonApp(
                files: [:],
                arguments: [
                    "-c", "import sys; from mitmproxy.tools.main import mitmdump; sys.argv[0] = 'mitmdump'; mitmdump()",
                    "--mode", "reverse:\(api.baseURL)", "--listen-host", "127.0.0.1",
                    "--listen-port", "{{PORT}}", "--proxyauth", "gate:\(FrameworkApps.password)", "-q",
                ]
            ) { proxy in
                let run = await checkRun(proxy.url("/items")) {
                    $0.user = "gate"
                    $0.password = FrameworkApps.password
                }
                log("mitmproxy proxyauth → fastapi", run)
                #expect(run.finalStatus == 401, "\(run.summary)")
                #expect(run.cause == "proxy.second-auth-layer", "\(run.summary)")
                // The well-known metadata guess answered 401 by the proxy: not a broken discovery.
                #expect(!run.ids.contains("oauth.resource-metadata-broken"), "\(run.summary)")
            }
        }
    }
}
