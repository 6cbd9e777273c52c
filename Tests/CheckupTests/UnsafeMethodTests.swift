// The plan never replays an unsafe method without the user's say-so: counted in the real
// server's access log (Apache httpd, a CGI behind Basic auth that answers 201 to anything).
import Checkup
import Diagnosis
import Evidence
import Foundation
import TestSupport
import Testing

@Suite("Unsafe methods are sent once")
struct UnsafeMethodTests {
    static let password = "Secret123"
    static let config = """
        ScriptAlias /cgi-bin/ "{{ROOT}}/cgi-bin/"
        <Directory "{{ROOT}}/cgi-bin">
            Options +ExecCGI
            AuthType Basic
            AuthName "API"
            AuthBasicProvider file
            AuthUserFile "{{ROOT}}/auth/htpasswd"
            Require valid-user
        </Directory>
        """
    static let script = """
        #!/bin/sh
        cat > /dev/null
        printf 'Status: 201 Created\\r\\nContent-Type: text/plain\\r\\n\\r\\ndone %s\\n' "$REQUEST_METHOD"

        """
    static var files: [ServerFile] {
        [.htpasswd("auth/htpasswd", users: [("alice", password, .bcrypt)]), .script("cgi-bin/items", script)]
    }

    /// How many requests with this method reached the server, by its access log.
    static func hits(_ apache: ApacheServer, _ method: String) -> Int {
        apache.accessLogLines().filter { $0.contains("\"\(method) /cgi-bin/items") }.count
    }

    @Test("DELETE with a wrong password: sent once; the other steps learn with GET, and the plan says so")
    func deleteIsSentOnce() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.config, files: Self.files) { apache in
            let run = await Check.run(
                apache.url("/cgi-bin/items?id=7"), user: "alice", password: "Wrong-pass-1", method: "DELETE")
            log("apache DELETE wrong password", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            #expect(run.cause == "credentials.rejected", "\(run.summary)")
            _ = await apache.waitForAccessLog(containing: "\"DELETE /cgi-bin/items")
            #expect(Self.hits(apache, "DELETE") == 1, "\(apache.readAccessLog())")
            #expect(Self.hits(apache, "GET") >= 1, "the other steps use GET: \(apache.readAccessLog())")
            #expect(run.evidence.steps.filter { $0.exchange.request.method == "DELETE" }.count == 1, "\(run.summary)")
            #expect(
                run.outcome.notes.contains {
                    $0.contains("DELETE sent once, as given") && $0.contains("--replay-unsafe")
                }, "\(run.outcome.notes)")
        }
    }

    @Test("POST with a body that succeeds: sent once, never again — not even with --replay-unsafe")
    func successfulPostIsNeverReplayed() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.config, files: Self.files) { apache in
            let run = await Check.run(
                apache.url("/cgi-bin/items"), user: "alice", password: Self.password, method: "POST",
                body: "name=widget", replayUnsafe: true)
            log("apache POST ok", run)
            #expect(run.finalStatus == 201, "\(run.summary)")
            _ = await apache.waitForAccessLog(containing: "\"POST /cgi-bin/items")
            #expect(Self.hits(apache, "POST") == 1, "\(apache.readAccessLog())")
            #expect(
                run.outcome.notes.contains { $0.contains("it succeeded, so it is not sent again") },
                "\(run.outcome.notes)")
            // The learning steps carry no body.
            for step in run.evidence.steps where step.exchange.request.method == "GET" {
                #expect(step.exchange.request.headers.first("Content-Length") == nil, "\(run.summary)")
            }
        }
    }

    @Test("--replay-unsafe: a refused POST is replayed by the plan")
    func replayUnsafeReplays() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.config, files: Self.files) { apache in
            let run = await Check.run(
                apache.url("/cgi-bin/items"), user: "alice", password: "Wrong-pass-1", method: "POST",
                body: "name=widget", replayUnsafe: true)
            log("apache POST replay", run)
            #expect(run.finalStatus == 401, "\(run.summary)")
            _ = await apache.waitForAccessLog(containing: "\"POST /cgi-bin/items")
            try await Task.sleep(for: .milliseconds(200))
            #expect(Self.hits(apache, "POST") > 1, "\(apache.readAccessLog())")
            #expect(Self.hits(apache, "GET") == 0, "\(apache.readAccessLog())")
        }
    }

    @Test("--digest with POST: the challenge is asked with GET, the POST goes once with its Digest answer")
    func digestPostAsksWithGet() async throws {
        try RealServers.requireApache()
        let digest = Self.config.replacingOccurrences(of: "AuthType Basic", with: "AuthType Digest")
            .replacingOccurrences(of: "AuthBasicProvider file", with: "AuthDigestProvider file")
            .replacingOccurrences(of: "auth/htpasswd", with: "auth/htdigest")
        try await withApache(
            config: digest,
            files: [
                .htdigest("auth/htdigest", users: [("dave", "API", Self.password)]),
                .script("cgi-bin/items", Self.script),
            ]
        ) { apache in
            let run = await Check.run(
                apache.url("/cgi-bin/items"), user: "dave", password: Self.password, mode: .digest, method: "POST",
                body: "x=1")
            log("apache digest POST", run)
            #expect(run.finalStatus == 201, "\(run.summary)")
            _ = await apache.waitForAccessLog(containing: "\"POST /cgi-bin/items")
            #expect(Self.hits(apache, "POST") == 1, "\(apache.readAccessLog())")
            #expect(run.evidence.first(.anonymous)?.exchange.request.method == "GET", "\(run.summary)")
        }
    }
}
