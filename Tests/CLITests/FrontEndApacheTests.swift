// The page's API and the MCP tools against a real Apache httpd (not only the built-in lab): each must
// give the CLI's answer for a wrong and for a right password, and never show the password.
import Foundation
import TestSupport
import Testing

@Suite("why401 serve and why401 mcp against real Apache", .serialized)
struct FrontEndApacheTests {
    static let wrongPassword = "Zq9-apache-front-end-wrong-4410"

    @Test("a wrong password → credentials.rejected and a right one → ok, through the API and the MCP tool alike")
    func serveAndMCPGiveTheCLIsAnswer() async throws {
        try RealServers.requireApache()
        try await withApache(config: CheckCLITests.config, files: CheckCLITests.files) { apache in
            let url = apache.url("/basic/")
            let user = CheckCLITests.user
            let secrets = [Self.wrongPassword, CheckCLITests.password]
            let cliWrong = try await MCPTests.cli([url, "-u", "\(user):\(Self.wrongPassword)"])
            let cliRight = try await MCPTests.cli([url, "-u", "\(user):\(CheckCLITests.password)"])
            #expect(cliWrong["cause"] as? String == "credentials.rejected")
            #expect(cliRight["outcome"] as? String == "ok", "\(cliRight)")

            // why401 serve: POST /api/v1/check with each password.
            let client = try ServeTests()
            let server = try await ServeProcess.start()
            defer { server.finish(secrets: secrets) }
            for (password, cli) in [(Self.wrongPassword, cliWrong), (CheckCLITests.password, cliRight)] {
                let reply = try await client.post(
                    server, "/api/v1/check",
                    json: "{\"url\": \"\(url)\", \"user\": \"\(user)\", \"password\": \"\(password)\"}")
                #expect(reply.status == 200, "\(reply.body.prefix(300))")
                #expect(reply.json["outcome"] as? String == cli["outcome"] as? String)
                #expect(reply.json["cause"] as? String == cli["cause"] as? String)
                #expect(MCPTests.findingIDs(reply.json) == MCPTests.findingIDs(cli))
                #expect(try SchemaValidator.validate(reply.body) == nil)
                for secret in secrets { #expect(!reply.body.contains(secret), "a password is in the API's answer") }
            }

            // why401 mcp: diagnose_url with each password, through the MCP Python SDK.
            let session = try await MCPTests.session([
                ("diagnose_url", ["url": url, "user": user, "password": Self.wrongPassword]),
                ("diagnose_url", ["url": url, "user": user, "password": CheckCLITests.password]),
            ])
            #expect(session.calls.count == 2)
            for (call, cli) in zip(session.calls, [cliWrong, cliRight]) {
                #expect(!call.isError, "\(call.texts)")
                let report = try call.report
                #expect(report["outcome"] as? String == cli["outcome"] as? String)
                #expect(report["cause"] as? String == cli["cause"] as? String)
                #expect(MCPTests.findingIDs(report) == MCPTests.findingIDs(cli))
            }
            for secret in secrets {
                #expect(!session.raw.contains(secret), "a password is in an MCP result")
                #expect(!session.stderr.contains(secret), "a password is on the MCP server's stderr")
            }
        }
    }
}
