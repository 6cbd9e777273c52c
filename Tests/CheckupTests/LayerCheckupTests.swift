// Verdicts that compare answers across layers and requests, on real Apache httpd and nginx:
// two authentication layers, accepted-but-forbidden, a failing CORS preflight, a token in the query.
import Checkup
import Diagnosis
import Evidence
import Foundation
import TestSupport
import Testing

@Suite("Checkup: layers, permissions, preflights and query tokens on real servers")
struct LayerCheckupTests {
    static let password = "Secret123"
    static let users: [ServerFile] = [
        .htpasswd("auth/htpasswd", users: [("alice", password, .bcrypt), ("bob", password, .md5)]),
        .text("htdocs/basic/index.html", "<p>secret</p>\n"),
        .text("htdocs/open/index.html", "<p>open</p>\n"),
    ]

    @Test("nginx with its own Basic realm strips Authorization before Apache's realm → proxy.second-auth-layer first")
    func secondAuthLayer() async throws {
        try RealServers.requireApache()
        try RealServers.requireNginx()
        let back = ApacheConfigs.basicArea(realm: "Back office")
        try await withApache(config: back, files: Self.users) { apache in
            let front = """
                location / {
                    auth_basic "Front door";
                    auth_basic_user_file {{ROOT}}/auth/htpasswd;
                    proxy_pass http://127.0.0.1:\(apache.port);
                    proxy_set_header Authorization "";
                }
                """
            try await withNginx(config: front, files: Self.users) { nginx in
                let run = await Check.run(nginx.url("/basic/"), user: "alice", password: Self.password)
                log("nginx realm → apache realm", run)
                #expect(run.finalStatus == 401, "\(run.summary)")
                #expect(run.cause == "proxy.second-auth-layer", "\(run.summary)")
                #expect(!run.ids.contains("credentials.rejected"), "the front layer accepted them: \(run.summary)")
                let finding = try #require(run.finding("proxy.second-auth-layer"))
                #expect(finding.evidence.contains { $0.contains("Front door") }, "\(finding.evidence)")
                #expect(finding.evidence.contains { $0.contains("Back office") }, "\(finding.evidence)")
            }
        }
    }

    @Test("one layer, wrong password: no proxy.second-auth-layer")
    func oneLayerIsNotTwo() async throws {
        try RealServers.requireNginx()
        try await withNginx(config: NginxConfigs.basicLocation(realm: "Restricted"), files: Self.users) { nginx in
            let run = await Check.run(nginx.url("/basic/"), user: "alice", password: "Wrong-pass-1")
            #expect(run.cause == "credentials.rejected", "\(run.summary)")
            #expect(!run.ids.contains("proxy.second-auth-layer"), "\(run.summary)")
        }
    }

    @Test(
        "Apache AuthzSendForbiddenOnFailure: 401 anonymous, 403 for a valid user not allowed → authz.forbidden (info)")
    func acceptedButForbidden() async throws {
        try RealServers.requireApache()
        let config = """
            <Directory "{{DOCROOT}}/basic">
                AuthType Basic
                AuthName "Staff"
                AuthBasicProvider file
                AuthUserFile "{{ROOT}}/auth/htpasswd"
                Require user alice
                AuthzSendForbiddenOnFailure On
            </Directory>
            """
        try await withApache(config: config, files: Self.users) { apache in
            let run = await Check.run(apache.url("/basic/"), user: "bob", password: Self.password)
            log("apache forbidden for bob", run)
            #expect(run.finalStatus == 403, "\(run.summary)")
            #expect(run.evidence.first(.anonymous)?.status == 401, "\(run.summary)")
            let finding = try #require(run.finding("authz.forbidden"), "\(run.summary)")
            #expect(finding.severity == .info)
            #expect(run.errorIDs.isEmpty, "\(run.summary)")
            let alice = await Check.run(apache.url("/basic/"), user: "alice", password: Self.password)
            #expect(alice.finalStatus == 200 && !alice.ids.contains("authz.forbidden"), "\(alice.summary)")
        }
    }

    static let corsConfig = """
        location /open/ {
        }
        location /cors-star/ {
            if ($request_method = OPTIONS) {
                add_header Access-Control-Allow-Origin * always;
                add_header Access-Control-Allow-Headers * always;
                return 204;
            }
        }
        location /cors-ok/ {
            if ($request_method = OPTIONS) {
                add_header Access-Control-Allow-Origin $http_origin always;
                add_header Access-Control-Allow-Headers "Content-Type, Authorization" always;
                return 204;
            }
        }
        """

    static func preflight(_ url: String) async -> CheckRun {
        var request = CheckRequest(url: url)
        request.bearer = "opaque-test-token-1234"
        request.origin = "https://app.example.test"
        request.maxTime = 30
        let outcome = await Checkup.run(request)
        return CheckRun(outcome: outcome, findings: ClientRules.run(outcome.evidence))
    }

    @Test("--origin: nginx 405 to OPTIONS, and Allow-Headers * → cors.preflight-failed; a correct preflight → none")
    func preflights() async throws {
        try RealServers.requireNginx()
        try await withNginx(
            config: Self.corsConfig,
            files: [.text("htdocs/open/x", "x"), .text("htdocs/cors-star/x", "x"), .text("htdocs/cors-ok/x", "x")]
        ) { nginx in
            let notRouted = await Self.preflight(nginx.url("/open/x"))
            log("nginx preflight 405", notRouted)
            #expect(notRouted.evidence.first(.preflight)?.status == 405, "\(notRouted.summary)")
            let failed = try #require(notRouted.finding("cors.preflight-failed"), "\(notRouted.summary)")
            #expect(failed.evidence.contains { $0.contains("405") })

            let star = await Self.preflight(nginx.url("/cors-star/x"))
            let starFinding = try #require(star.finding("cors.preflight-failed"), "\(star.summary)")
            #expect(
                starFinding.evidence.contains { $0.contains("does not cover Authorization") }, "\(starFinding.evidence)"
            )

            let good = await Self.preflight(nginx.url("/cors-ok/x"))
            #expect(good.evidence.first(.preflight)?.status == 204, "\(good.summary)")
            #expect(!good.ids.contains("cors.preflight-failed"), "\(good.summary)")
        }
    }

    @Test("a server that echoes the token in its body and a header: the evidence holds **** instead")
    func echoedSecretsAreMasked() async throws {
        try RealServers.requireNginx()
        let config = """
            location /api/ {
                add_header WWW-Authenticate 'Bearer error="invalid_token"' always;
                add_header X-Debug-Auth $http_authorization always;
                default_type application/json;
                return 401 '{"detail": "token $http_authorization is not valid"}';
            }
            """
        try await withNginx(config: config) { nginx in
            let secret = "echo-me-7f3a9c1e"
            let run = await Check.run(nginx.url("/api/me"), bearer: secret)
            log("nginx echoes the token", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            let final = try #require(run.evidence.final?.exchange.response)
            let body = String(decoding: final.bodyPrefix, as: UTF8.self)
            #expect(body.contains("token Bearer **** is not valid"), "\(body)")
            var texts = [body] + final.headers.map(\.value)
            for f in run.findings { texts += [f.title, f.detail] + f.evidence + f.fix }
            for text in texts { #expect(!text.contains(secret), "secret echoed in: \(text)") }
        }
    }

    @Test("?access_token= to a Basic area → credentials.in-query names the header the server reads")
    func tokenInQuery() async throws {
        try RealServers.requireNginx()
        try await withNginx(config: NginxConfigs.basicLocation(realm: "Restricted"), files: Self.users) { nginx in
            let secret = "qtok-5f1c9a7e"
            let run = await Check.run(nginx.url("/basic/?access_token=\(secret)"))
            log("nginx token in query", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            #expect(run.cause == "credentials.in-query", "\(run.summary)")
            let finding = try #require(run.finding("credentials.in-query"))
            #expect(finding.detail.contains("Authorization: Basic"), "\(finding.detail)")
            let everything = ([finding.detail] + finding.evidence + run.findings.flatMap(\.evidence)).joined(
                separator: "\n")
            #expect(!everything.contains(secret), "the query token must be masked")
        }
    }
}
