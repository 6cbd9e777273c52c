// `why401 URL` (Checkup.run + ClientRules) against a real Apache httpd on loopback.
import Checkup
import Diagnosis
import Evidence
import Foundation
import TestSupport
import Testing

@Suite("Checkup against real Apache httpd")
struct ApacheCheckupTests {
    static let basicRealm = "Private Basic Area"
    static let digestRealm = "Private Digest Area"
    static let password = "Secret123"

    static let basicConfig = ApacheConfigs.basicArea(realm: basicRealm)

    static let page = ServerFile.text("htdocs/basic/index.html", "<p>secret</p>\n")

    // MARK: 1. Basic with each htpasswd format

    @Test(
        "Basic: correct password → 200, no error; wrong → credentials.rejected",
        arguments: [
            Htpasswd.Format.md5, .bcrypt, .sha1, .crypt,
        ])
    func basicFormats(format: Htpasswd.Format) async throws {
        try RealServers.requireApache()
        let user = "u_\(format)"
        try await withApache(
            config: Self.basicConfig,
            files: [
                .htpasswd("auth/htpasswd", users: [(user, Self.password, format)]), Self.page,
            ]
        ) { apache in
            let url = apache.url("/basic/")
            let good = await Check.run(url, user: user, password: Self.password)
            log("apache basic \(format) correct", good)
            #expect(good.outcome.incomplete == nil)
            #expect(good.finalStatus == 200, "\(good.summary)")
            #expect(good.errorIDs.isEmpty, "\(good.summary)")

            let wrong = await Check.run(url, user: user, password: "Wrong-pass-1")
            log("apache basic \(format) wrong", wrong)
            #expect(wrong.finalStatus == 401, "\(wrong.summary)")
            #expect(wrong.cause == "credentials.rejected", "\(wrong.summary)")
            #expect(await apache.waitForErrorLog(containing: "AH01617: user \(user)"), "\(apache.readErrorLog())")
        }
    }

    // MARK: 2. No credentials

    @Test("Basic area, no credentials → credentials.missing")
    func noCredentials() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: Self.basicConfig,
            files: [
                .htpasswd("auth/htpasswd", users: [("alice", Self.password, .bcrypt)]), Self.page,
            ]
        ) { apache in
            let run = await Check.run(apache.url("/basic/"))
            log("apache no credentials", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            #expect(run.cause == "credentials.missing", "\(run.summary)")
            #expect(run.evidence.credentialedRequests == 0)
            #expect(!run.evidence.steps.contains { $0.credentialed }, "\(run.summary)")
        }
    }

    // MARK: 3. Digest (mod_auth_digest)

    static let digestConfig = """
        <Directory "{{DOCROOT}}/digest">
            AuthType Digest
            AuthName "\(digestRealm)"
            AuthDigestProvider file
            AuthUserFile "{{ROOT}}/auth/htdigest"
            Require valid-user
        </Directory>
        """

    static var digestFiles: [ServerFile] {
        [
            .htdigest("auth/htdigest", users: [("dave", digestRealm, password)]),
            .text("htdocs/digest/index.html", "<p>digest secret</p>\n"),
        ]
    }

    @Test("Digest: --digest correct → 200, no error; wrong → credentials.rejected")
    func digest() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.digestConfig, files: Self.digestFiles) { apache in
            let url = apache.url("/digest/")
            let good = await Check.run(url, user: "dave", password: Self.password, mode: .digest)
            log("apache digest correct", good)
            #expect(good.finalStatus == 200, "\(good.summary)")
            #expect(good.errorIDs.isEmpty, "\(good.summary)")
            // The answer really was Digest (curl --digest: ask, then answer).
            #expect(
                good.evidence.first(.asGiven)?.exchange.request.headers.first("Authorization")?.hasPrefix("Digest ")
                    == true,
                "\(good.summary)")
            // Repeats answer afresh (Digest cannot be replayed) and succeed too.
            for step in good.evidence.steps(.repeated) { #expect(step.status == 200, "\(good.summary)") }

            // curl --anyauth: ask first, then answer the Digest challenge the server offers.
            let any = await Check.run(url, user: "dave", password: Self.password, mode: .any)
            log("apache digest anyauth", any)
            #expect(any.finalStatus == 200, "\(any.summary)")
            #expect(any.errorIDs.isEmpty, "\(any.summary)")

            let wrong = await Check.run(url, user: "dave", password: "Wrong-pass-1", mode: .digest)
            log("apache digest wrong", wrong)
            #expect(wrong.finalStatus == 401, "\(wrong.summary)")
            #expect(wrong.cause == "credentials.rejected", "\(wrong.summary)")
            #expect(
                await apache.waitForErrorLog(containing: "AH01794: user dave: password mismatch"),
                "\(apache.readErrorLog())")
        }
    }

    @Test("Basic sent to a Digest area → credentials.scheme-mismatch, proven by a Digest answer that gets 200")
    func basicToDigestArea() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.digestConfig, files: Self.digestFiles) { apache in
            let run = await Check.run(apache.url("/digest/"), user: "dave", password: Self.password, mode: .basic)
            log("apache basic→digest", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            #expect(run.cause == "credentials.scheme-mismatch", "\(run.summary)")
            #expect(!run.ids.contains("credentials.rejected"), "\(run.summary)")
            let answer = try #require(run.evidence.first(.answer), "\(run.summary)")
            #expect(answer.label == "Digest")
            #expect(answer.credentialed)
            #expect(answer.status == 200, "\(run.summary)")
            #expect(answer.exchange.request.headers.first("Authorization")?.hasPrefix("Digest ") == true)
            #expect(await apache.waitForErrorLog(containing: "AH01781"), "\(apache.readErrorLog())")
        }
    }

    @Test("Basic sent to a Digest area with a wrong password → credentials.rejected first, scheme-mismatch beside it")
    func basicToDigestAreaWrongPassword() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.digestConfig, files: Self.digestFiles) { apache in
            let run = await Check.run(apache.url("/digest/"), user: "dave", password: "Wrong-pass-1", mode: .basic)
            log("apache basic→digest wrong", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            #expect(run.cause == "credentials.rejected", "\(run.summary)")
            #expect(
                run.errorIDs.prefix(2) == ["credentials.rejected", "credentials.scheme-mismatch"], "\(run.summary)")
            let answer = try #require(run.evidence.first(.answer), "\(run.summary)")
            #expect(answer.status == 401)
            #expect(
                run.finding("credentials.rejected")?.detail.contains("Digest answer with the same password") == true)
            #expect(
                await apache.waitForErrorLog(containing: "AH01794: user dave: password mismatch"),
                "\(apache.readErrorLog())")
        }
    }

    @Test(
        """
        a non-ASCII password stored in ISO-8859-1: one request in ISO-8859-1 proves the charset; a wrong one rules \
        it out
        """
    )
    func latin1PasswordProof() async throws {
        try RealServers.requireApache()
        let dir = try TempDirectory()
        defer { dir.remove() }
        let file = dir.path("htpasswd")
        // The real htpasswd, fed the password's ISO-8859-1 bytes (0xE4 is "ä").
        let made = try ProcessRunner.run(
            "/bin/sh", ["-c", "printf 'p\\344ss-W0rd' | htpasswd -i -c -B \"$0\" alice", file])
        #expect(made.succeeded, "\(made)")
        let line = try String(contentsOfFile: file, encoding: .utf8)
        try await withApache(config: Self.basicConfig, files: [.text("auth/htpasswd", line), Self.page]) { apache in
            let run = await Check.run(apache.url("/basic/"), user: "alice", password: "päss-W0rd")
            log("apache latin-1 password", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            #expect(run.cause == "credentials.non-ascii", "\(run.summary)")
            let proof = try #require(
                run.evidence.steps(.passwordVariant).first { $0.label == "ISO-8859-1" }, "\(run.summary)")
            #expect(proof.status == 200)
            #expect(run.finding("credentials.non-ascii")?.evidence.contains { $0.hasPrefix("proof: ") } == true)
            #expect(!run.ids.contains("credentials.rejected"), "the password is right in ISO-8859-1: \(run.summary)")

            let wrong = await Check.run(apache.url("/basic/"), user: "alice", password: "pöss-W0rd")
            log("apache latin-1 wrong password", wrong)
            #expect(wrong.cause == "credentials.rejected", "\(wrong.summary)")
            #expect(wrong.finding("credentials.non-ascii")?.severity == .info, "\(wrong.summary)")
        }
    }

    // MARK: 4. CGI app doing its own Bearer auth

    static let bearerScript = """
        #!/bin/sh
        case "$HTTP_AUTHORIZATION" in
          "")
            printf 'Status: 401 Unauthorized\\r\\nWWW-Authenticate: Bearer realm="app"\\r\\nContent-Type: \
            text/plain\\r\\n\\r\\nno token\\n' ;;
          "Bearer good-token")
            printf 'Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nhello\\n' ;;
          *)
            printf 'Status: 401 Unauthorized\\r\\nWWW-Authenticate: Bearer realm="app", error="invalid_token", \
            error_description="The token is not valid"\\r\\nContent-Type: text/plain\\r\\n\\r\\nbad token\\n' ;;
        esac

        """

    static func cgiConfig(passAuth: Bool) -> String {
        """
        ScriptAlias /cgi-bin/ "{{ROOT}}/cgi-bin/"
        <Directory "{{ROOT}}/cgi-bin">
            Options +ExecCGI
            AllowOverride None
            Require all granted
            \(passAuth ? "CGIPassAuth On" : "")
        </Directory>
        """
    }

    @Test("CGI Bearer app without CGIPassAuth: a good token → credentials.not-received")
    func cgiWithoutPassAuth() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: Self.cgiConfig(passAuth: false), files: [.script("cgi-bin/api", Self.bearerScript)]
        ) { apache in
            let run = await Check.run(apache.url("/cgi-bin/api"), bearer: "good-token")
            log("apache cgi no CGIPassAuth, good token", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            #expect(run.cause == "credentials.not-received", "\(run.summary)")
            #expect(run.evidence.first(.anonymous)?.status == 401, "\(run.summary)")
        }
    }

    @Test("CGI Bearer app with CGIPassAuth On: good token → 200; wrong token → token.invalid")
    func cgiWithPassAuth() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.cgiConfig(passAuth: true), files: [.script("cgi-bin/api", Self.bearerScript)])
        { apache in
            let url = apache.url("/cgi-bin/api")
            let good = await Check.run(url, bearer: "good-token")
            log("apache cgi CGIPassAuth, good token", good)
            #expect(good.finalStatus == 200, "\(good.summary)")
            #expect(good.errorIDs.isEmpty, "\(good.summary)")

            let wrong = await Check.run(url, bearer: "bad-token")
            log("apache cgi CGIPassAuth, wrong token", wrong)
            #expect(wrong.finalStatus == 401, "\(wrong.summary)")
            #expect(wrong.cause == "token.invalid", "\(wrong.summary)")
            #expect(
                wrong.finding("token.invalid")?.evidence.joined(separator: "\n").contains("The token is not valid")
                    == true,
                "error_description should be quoted: \(wrong.finding("token.invalid")?.evidence ?? [])")
            #expect(!wrong.ids.contains("credentials.not-received"), "\(wrong.summary)")
        }
    }

    // MARK: secrets in evidence and findings

    @Test("user:password@ in the URL: Basic is sent, the password never reaches evidence or findings")
    func credentialsInURLAreMasked() async throws {
        try RealServers.requireApache()
        let secret = "Zq9-url-secret"
        try await withApache(
            config: Self.basicConfig,
            files: [
                .htpasswd("auth/htpasswd", users: [("alice", secret, .bcrypt)]), Self.page,
            ]
        ) { apache in
            let url = apache.url("/basic/").replacingOccurrences(of: "http://", with: "http://alice:\(secret)@")
            let run = await Check.run(url)
            log("apache user:pass@ in URL", run)
            #expect(run.finalStatus == 200, "\(run.summary)")
            #expect(run.ids.contains("credentials.in-url"), "\(run.summary)")
            #expect(run.errorIDs.isEmpty, "\(run.summary)")
            let base64 = Data("alice:\(secret)".utf8).base64EncodedString()
            var texts = [run.evidence.url] + run.outcome.notes
            for f in run.findings { texts += [f.title, f.detail] + f.evidence + f.fix }
            for step in run.evidence.steps {
                texts.append(step.exchange.request.url)
                texts += step.exchange.request.headers.map(\.value)
            }
            for text in texts {
                #expect(!text.contains(secret) && !text.contains(base64), "secret leaked in: \(text)")
            }
        }
    }

    // MARK: 5. Missing AuthUserFile

    @Test("AuthUserFile missing: 401 without credentials, 500 with → server.auth-backend-error")
    func missingUserFile() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: Self.basicConfig.replacingOccurrences(of: "auth/htpasswd", with: "auth/does-not-exist"),
            files: [Self.page]
        ) { apache in
            let run = await Check.run(apache.url("/basic/"), user: "alice", password: Self.password)
            log("apache missing AuthUserFile", run)
            #expect(run.finalStatus == 500, "\(run.summary)")
            #expect(run.evidence.first(.anonymous)?.status == 401, "\(run.summary)")
            #expect(run.cause == "server.auth-backend-error", "\(run.summary)")
            #expect(await apache.waitForErrorLog(containing: "AH01620"), "\(apache.readErrorLog())")
        }
    }
}
