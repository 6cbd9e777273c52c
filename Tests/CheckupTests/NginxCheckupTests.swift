// `why401 URL` (Checkup.run + ClientRules) against a real nginx (alone and in front of Apache).
import Checkup
import Diagnosis
import Evidence
import Foundation
import TestSupport
import Testing

@Suite("Checkup against real nginx")
struct NginxCheckupTests {
    static let password = "Secret123"

    static func basicConfig(userFile: String) -> String {
        NginxConfigs.basicLocation(realm: "Restricted", userFile: userFile)
    }

    static let files: [ServerFile] = [
        .htpasswd("auth/htpasswd", users: [("alice", password, .bcrypt)]),
        .text("htdocs/basic/index.html", "<p>secret</p>\n"),
    ]

    // MARK: 6. auth_basic with a bcrypt htpasswd

    @Test("nginx auth_basic (bcrypt): correct → 200; wrong → credentials.rejected, responder nginx")
    func basic() async throws {
        try RealServers.requireNginx()
        try await withNginx(config: Self.basicConfig(userFile: "{{ROOT}}/auth/htpasswd"), files: Self.files) { nginx in
            let url = nginx.url("/basic/")
            let good = await Check.run(url, user: "alice", password: Self.password)
            log("nginx basic correct", good)
            #expect(good.finalStatus == 200, "\(good.summary)")
            #expect(good.errorIDs.isEmpty, "\(good.summary)")

            let wrong = await Check.run(url, user: "alice", password: "Wrong-pass-1")
            log("nginx basic wrong", wrong)
            #expect(wrong.finalStatus == 401, "\(wrong.summary)")
            #expect(wrong.cause == "credentials.rejected", "\(wrong.summary)")
            let responder = try #require(wrong.finding("responder.identified"), "\(wrong.summary)")
            #expect(responder.severity == .info)
            #expect(responder.detail.contains("nginx"), "\(responder.detail)")
            #expect(!responder.detail.contains("Apache"), "\(responder.detail)")
            #expect(await nginx.waitForErrorLog(containing: "password mismatch"), "\(nginx.readErrorLog())")
        }
    }

    // MARK: 6b. A cookie-session application with a login page

    /// 401 without a challenge for a request with a (stale) session cookie; anonymous visitors are
    /// redirected to the login page — what Django, Rails and most login-page apps do.
    static let cookieSessionConfig = """
        location /app/ {
            if ($http_cookie ~ "sessionid=") { return 401 "session expired\n"; }
            return 302 /accounts/login/?next=$uri;
        }
        """

    @Test(
        """
        a stale session cookie: 401 with it, 302 to /accounts/login/ without → session.stale-cookie, not \
        challenge.missing
        """
    )
    func staleSessionCookieWithLoginPage() async throws {
        try RealServers.requireNginx()
        try await withNginx(config: Self.cookieSessionConfig) { nginx in
            let run = await Check.run(nginx.url("/app/orders"), cookies: [("sessionid", "expired-7f3a")])
            log("nginx stale session cookie", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            #expect(run.evidence.first(.withoutCookies)?.status == 302, "\(run.summary)")
            #expect(run.cause == "session.stale-cookie", "\(run.summary)")
            #expect(!run.ids.contains("challenge.missing"), "\(run.summary)")
            let finding = try #require(run.finding("session.stale-cookie"))
            #expect(
                finding.evidence.contains { $0.contains("Location: ") && $0.contains("/accounts/login/") },
                "\(finding.evidence)")
            #expect(finding.detail.contains("log in again"), "\(finding.detail)")
        }
    }

    // MARK: 7. auth_basic_user_file missing

    @Test("nginx auth_basic_user_file missing: 401 without, 403 with → server.auth-backend-error")
    func missingUserFile() async throws {
        try RealServers.requireNginx()
        try await withNginx(config: Self.basicConfig(userFile: "{{ROOT}}/auth/does-not-exist"), files: Self.files) {
            nginx in
            let run = await Check.run(nginx.url("/basic/"), user: "alice", password: Self.password)
            log("nginx missing user file", run)
            #expect(run.finalStatus == 403, "\(run.summary)")
            #expect(run.evidence.first(.anonymous)?.status == 401, "\(run.summary)")
            #expect(run.cause == "server.auth-backend-error", "\(run.summary)")
            #expect(await nginx.waitForErrorLog(containing: "No such file or directory"), "\(nginx.readErrorLog())")
        }
    }

    // MARK: 8. nginx proxy_pass to an Apache Basic area

    static let apacheConfig = """
        <Directory "{{DOCROOT}}/basic">
            AuthType Basic
            AuthName "Private Basic Area"
            AuthBasicProvider file
            AuthUserFile "{{ROOT}}/auth/htpasswd"
            Require valid-user
        </Directory>
        """

    static func proxyConfig(apachePort: UInt16, stripAuthorization: Bool) -> String {
        """
                location / {
                    proxy_pass http://127.0.0.1:\(apachePort);
                    \(stripAuthorization ? #"proxy_set_header Authorization "";"# : "")
                }
        """
    }

    @Test("nginx → Apache, Authorization passed by default: correct credentials → 200")
    func proxyPassesAuthorization() async throws {
        try RealServers.requireApache()
        try RealServers.requireNginx()
        try await withApache(config: Self.apacheConfig, files: Self.files) { apache in
            try await withNginx(config: Self.proxyConfig(apachePort: apache.port, stripAuthorization: false)) { nginx in
                let run = await Check.run(nginx.url("/basic/"), user: "alice", password: Self.password)
                log("nginx→apache default", run)
                #expect(run.finalStatus == 200, "\(run.summary)")
                #expect(run.errorIDs.isEmpty, "\(run.summary)")
            }
        }
    }

    @Test("nginx → Apache with proxy_set_header Authorization \"\": 401, responder names Apache behind nginx")
    func proxyStripsAuthorization() async throws {
        try RealServers.requireApache()
        try RealServers.requireNginx()
        try await withApache(config: Self.apacheConfig, files: Self.files) { apache in
            try await withNginx(config: Self.proxyConfig(apachePort: apache.port, stripAuthorization: true)) { nginx in
                let run = await Check.run(nginx.url("/basic/"), user: "alice", password: Self.password)
                log("nginx→apache stripped", run)
                #expect(run.finalStatus == 401, "\(run.summary)")
                // Observed cause (see report): the generic credentials.rejected.
                #expect(
                    run.cause == "credentials.rejected" || run.cause == "credentials.not-received", "\(run.summary)")
                let responder = try #require(run.finding("responder.identified"), "\(run.summary)")
                #expect(responder.detail.contains("Apache"), "\(responder.detail)")
                #expect(responder.detail.contains("nginx"), "\(responder.detail)")
                // Apache saw no user: its access log has "-" and 401.
                #expect(
                    await apache.waitForAccessLog(containing: #""GET /basic/ HTTP/1.0" 401"#)
                        || apache.readAccessLog().contains(#"/basic/ HTTP/1.1" 401"#), "\(apache.readAccessLog())")
                #expect(!apache.readAccessLog().contains(" alice ["), "\(apache.readAccessLog())")
            }
        }
    }
}
