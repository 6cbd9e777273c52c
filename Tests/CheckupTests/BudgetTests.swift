// The credential budget goes to what informs: a plain rejection is not repeated with the same
// known-bad password, --try-variants comes before speculative steps, and several addresses are
// the repeats. Counted in the real servers' own logs where they keep one.
import Checkup
import Diagnosis
import Evidence
import Foundation
import TestSupport
import Testing

@Suite("Credential budget")
struct BudgetTests {
    static let password = "Secret123"
    static let files: [ServerFile] = [
        .htpasswd("auth/htpasswd", users: [("alice", password, .bcrypt)]),
        .text("htdocs/basic/index.html", "<p>secret</p>\n"),
    ]

    /// Requests that carried alice's credentials, by Apache's access log (%u is the attempted user).
    static func attempts(_ apache: ApacheServer) -> Int {
        apache.accessLogLines().filter { $0.contains(" alice [") }.count
    }

    @Test("a plain rejection: one identical repeat, no credentialed trailing-slash variant (2 attempts, not 4)")
    func plainRejectionSpendsLittle() async throws {
        try RealServers.requireApache()
        try await withApache(config: ApacheConfigs.basicArea(), files: Self.files) { apache in
            let run = await Check.run(apache.url("/basic/"), user: "alice", password: "Wrong-pass-1")
            log("apache plain rejection budget", run)
            #expect(run.cause == "credentials.rejected", "\(run.summary)")
            #expect(run.evidence.credentialedRequests == 2, "\(run.summary)")
            _ = await apache.waitForAccessLog(containing: " alice [")
            try await Task.sleep(for: .milliseconds(200))
            #expect(Self.attempts(apache) == 2, "\(apache.readAccessLog())")
            #expect(
                run.outcome.notes.contains { $0.hasPrefix("repeats stopped after an identical refusal") },
                "\(run.outcome.notes)")
            let variant = try #require(run.evidence.steps(.variant).first, "\(run.summary)")
            #expect(!variant.credentialed, "\(run.summary)")
            #expect(
                run.outcome.notes.contains { $0.hasPrefix("trailing slash toggled: the same challenge") },
                "\(run.outcome.notes)")
        }
    }

    @Test("--try-variants: the variants the user asked for come first; the fix does not suggest the flag again")
    func askedForVariantsFirst() async throws {
        try RealServers.requireApache()
        try await withApache(config: ApacheConfigs.basicArea(), files: Self.files) { apache in
            var request = CheckRequest(url: apache.url("/basic/"))
            request.user = "alice"
            request.password = "sECRET123"
            request.tryVariants = true
            request.maxTime = 30
            let outcome = await Checkup.run(request)
            let findings = ClientRules.run(outcome.evidence)
            let kinds = outcome.evidence.steps.filter(\.credentialed).map(\.kind)
            #expect(kinds.prefix(2) == [.asGiven, .passwordVariant], "\(kinds)")
            #expect(findings.first?.id == "credentials.caps-lock", "\(findings.map(\.id))")

            request.password = "Wrong-pass-1"
            let wrong = await Checkup.run(request)
            let rejected = try #require(ClientRules.run(wrong.evidence).first { $0.id == "credentials.rejected" })
            #expect(!rejected.fix.joined().contains("--try-variants"), "\(rejected.fix)")
        }
    }
}
