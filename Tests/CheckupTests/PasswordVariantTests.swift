// `--try-variants` against a real Apache: the Caps-Lock-inverted and the trimmed password, each
// counted against the credential budget.
import Checkup
import Diagnosis
import Evidence
import TestSupport
import Testing

@Suite("Password variants against real Apache")
struct PasswordVariantTests {
    static func variantRun(_ url: String, user: String, password: String, budget: Int = 6) async -> CheckRun {
        var request = CheckRequest(url: url)
        request.user = user
        request.password = password
        request.tryVariants = true
        request.credentialBudget = budget
        request.maxTime = 30
        let outcome = await Checkup.run(request)
        return CheckRun(outcome: outcome, findings: ClientRules.run(outcome.evidence))
    }

    @Test("Caps Lock: the inverted password is accepted → credentials.caps-lock")
    func capsLock() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: ApacheCheckupTests.basicConfig,
            files: [
                .htpasswd("auth/htpasswd", users: [("alice", "Secret123", .bcrypt)]), ApacheCheckupTests.page,
            ]
        ) { apache in
            let run = await Self.variantRun(apache.url("/basic/"), user: "alice", password: "sECRET123")
            log("apache caps lock", run)
            #expect(run.finalStatus == 401)
            #expect(run.ids.contains("credentials.caps-lock"), "\(run.summary)")
            let variants = run.outcome.evidence.steps(.passwordVariant)
            #expect(variants.contains { $0.label == "caps-lock inverted" && $0.status == 200 })
            #expect(run.outcome.evidence.credentialedRequests <= 6)
        }
    }

    @Test("Trailing space: the trimmed password is accepted → credentials.whitespace with proof")
    func trimmed() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: ApacheCheckupTests.basicConfig,
            files: [
                .htpasswd("auth/htpasswd", users: [("alice", "Secret123", .bcrypt)]), ApacheCheckupTests.page,
            ]
        ) { apache in
            let run = await Self.variantRun(apache.url("/basic/"), user: "alice", password: "Secret123 ")
            log("apache trimmed", run)
            #expect(run.cause == "credentials.whitespace", "\(run.summary)")
            let whitespace = try #require(run.finding("credentials.whitespace"))
            #expect(whitespace.evidence.contains { $0.hasPrefix("proof: ") })
            #expect(!run.ids.contains("credentials.caps-lock"))
        }
    }

    @Test("The budget caps the variants: with a budget of 1 none is sent")
    func budgetCapsVariants() async throws {
        try RealServers.requireApache()
        try await withApache(
            config: ApacheCheckupTests.basicConfig,
            files: [
                .htpasswd("auth/htpasswd", users: [("alice", "Secret123", .bcrypt)]), ApacheCheckupTests.page,
            ]
        ) { apache in
            let run = await Self.variantRun(apache.url("/basic/"), user: "alice", password: "sECRET123", budget: 1)
            #expect(run.outcome.evidence.steps(.passwordVariant).isEmpty)
            #expect(run.outcome.evidence.steps.filter(\.credentialed).count == 1)
            #expect(run.outcome.notes.contains { $0.contains("credential budget of 1 spent") })
        }
    }
}
