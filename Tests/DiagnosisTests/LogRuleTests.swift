import Evidence
import HTTPAuth
import TestSupport
import Testing

@testable import Diagnosis

/// Every log rule's own examples, plus the figures the findings print.
@Suite struct LogRuleTests {
    @Test func everyCauseHasARuleAndACatalogEntry() {
        let ids = Set(LogRules.all.map { $0.description.id })
        for cause in ErrorEvent.Cause.allCases {
            #expect(ids.contains(FindingID(rawValue: "logs." + cause.rawValue)), "no rule for \(cause)")
            #expect(Catalog.entry(named: "logs." + cause.rawValue)?.audience == .admin)
        }
    }

    @Test func spikeOnsetBaselineAndPeak() throws {
        let spike = try #require(LogSpike.detect(LogSample.spikeSummary(), thresholds: LogThresholds()))
        #expect(spike.onset == LogSample.t0 + 600)
        #expect(spike.baselinePerBucket == 1)
        #expect(spike.baselineShare == 0.01)
        #expect(spike.onsetFailures == 80 && spike.onsetRequests == 120)
        #expect(spike.peakStart == LogSample.t0 + 660 && spike.peakFailures == 150)
        #expect(spike.failuresSince == 231 && spike.requestsSince == 420)
        let finding = try #require(SpikeLogRule.check(LogEvidence(LogSample.spikeSummary())).first)
        #expect(finding.evidence[0] == "401s began at 2026-11-29T08:10:00Z")
        #expect(
            finding.evidence[1]
                == """
                80 failed 401s in the minute from 2026-11-29T08:10:00Z (66.7% of 120 requests), up from a baseline \
                of 1 per minute (1%) over the preceding 10 min
                """
        )
        #expect(
            finding.evidence.contains(
                "peak 150 failed 401s in the minute from 2026-11-29T08:11:00Z (75% of 200 requests)"))
        #expect(finding.fix[0].contains("--since \"2026-11-29 08:00\" --until \"2026-11-29 08:11\""))
    }

    @Test func spikeNamesTheFirstNewClientToTheSecond() throws {
        var s = LogSample.spikeSummary()
        s.clients = [
            LogSample.client("198.51.100.1", failures: 10, peak: 1),
            ClientRecord(
                address: "203.0.113.9", failures: 200, successes: 0, firstFailure: LogSample.t0 + 617,
                lastFailure: LogSample.t0 + 700, peakFailures: 150, burstWindow: 60, usersTried: ["admin"],
                distinctUsers: 1),
        ]
        let spike = try #require(LogSpike.detect(s, thresholds: LogThresholds()))
        #expect(spike.began == LogSample.t0 + 617)
        #expect(spike.firstNewClient == "203.0.113.9")
        #expect(
            SpikeLogRule.check(LogEvidence(s)).first?.evidence.first
                == """
                401s began at 2026-11-29T08:10:17Z (first failure from 203.0.113.9, a client with no earlier \
                failures)
                """
        )
    }

    @Test func spikeThresholdsAreFlags() {
        let s = LogSample.spikeSummary()
        #expect(LogSpike.detect(s, thresholds: LogThresholds(spikeMinFailures: 200)) == nil)
        #expect(LogSpike.detect(s, thresholds: LogThresholds(spikeFactor: 100)) == nil)
    }

    @Test func bruteForceEvidenceAndFix() throws {
        let c = ClientRecord(
            address: "203.0.113.7", failures: 300, successes: 0, firstFailure: LogSample.t0,
            lastFailure: LogSample.t0 + 299, peakFailures: 120,
            burstWindow: 60, usersTried: ["admin", "root", "test"], distinctUsers: 3)
        let finding = try #require(BruteForceLogRule.check(LogEvidence(LogSample.summary(clients: [c]))).first)
        #expect(
            finding.evidence == [
                """
                300 401s from 203.0.113.7 between 2026-11-29T08:00:00Z and 2026-11-29T08:04:59Z, peak 120 in 60 s, \
                3 distinct users (\"admin\", \"root\", \"test\")
                """
            ])
        let fix = finding.fix.joined(separator: "\n")
        for expected in [
            "[apache-auth]", "[nginx-http-auth]", "maxretry = 5", "findtime = 10m", "bantime  = 1h",
            "deny 203.0.113.7;", "Require not ip 203.0.113.7", "<RequireAll>",
        ] {
            #expect(fix.contains(expected), "fix lacks \(expected)")
        }
    }

    @Test func bruteForceFixFollowsTheServerAndCapsTheBlockList() throws {
        var s = LogSample.summary(
            clients: (1...15).map { LogSample.client("192.0.2.\($0)", failures: 100 + $0, peak: 50) })
        s.inputs.append(LogInput(path: "error.log", kind: .error, format: "nginx-error", lines: 1))
        let finding = try #require(BruteForceLogRule.check(LogEvidence(s)).first)
        let fix = finding.fix.joined(separator: "\n")
        #expect(
            fix.contains("[nginx-http-auth]\nenabled") && !fix.contains("[apache-auth]\nenabled")
                && !fix.contains("Require not ip"))
        #expect(fix.contains("deny 192.0.2.15;") && fix.contains("deny 192.0.2.6;") && !fix.contains("deny 192.0.2.5;"))
        #expect(finding.evidence.first?.hasPrefix("115 401s from 192.0.2.15") == true)
    }

    @Test func handshakesAloneRaiseNothing() {
        // 100 × (401 then 200 within the window): counted in unauthorized, but no failure anywhere.
        let s = LogSummary(
            lines: 200, requests: 200, unauthorized: 100, handshakes: 100, successes: 100, first: LogSample.t0,
            last: LogSample.t0 + 599,
            timeline: (0..<10).map { TimeBucket(start: LogSample.t0 + Int64($0 * 60), requests: 20, failures: 0) })
        #expect(LogRules.run(s).isEmpty)
        #expect(s.failures == 0)
    }

    @Test func neverSucceedsListsUsersAndClients() throws {
        let s = LogSample.summary(
            clients: [
                LogSample.client("192.0.2.10", failures: 60, peak: 1),
                LogSample.client("192.0.2.11", failures: 60, peak: 1, successes: 1),
            ],
            users: [
                UserRecord(
                    name: "backup", failures: 12, successes: 0, firstFailure: LogSample.t0,
                    lastFailure: LogSample.t0 + 3600)
            ])
        let finding = try #require(NeverSucceedsLogRule.check(LogEvidence(s)).first)
        #expect(
            finding.evidence == [
                "user \"backup\": 12 failed 401s, 0 successes, 2026-11-29T08:00:00Z – 2026-11-29T09:00:00Z",
                "client 192.0.2.10: 60 failed 401s, 0 successes, 2026-11-29T08:00:00Z – 2026-11-29T09:00:00Z",
            ])
        #expect(finding.detail.hasPrefix("1 user and 1 client got only failed 401s"))
    }

    @Test func errorEventsBecomeFindingsWithUserPathCountAndTimes() throws {
        let events = [
            ErrorEvent(
                cause: .passwordMismatch, server: "apache", code: "AH01617", user: "alice", path: "/basic/", file: nil,
                reason: nil, count: 12, first: LogSample.t0, last: LogSample.t0 + 90,
                firstLine: LineReference(path: "error.log", line: 4)),
            ErrorEvent(
                cause: .passwordMismatch, server: "apache", code: "AH01794", user: "bob", path: "/digest/", file: nil,
                reason: nil, count: 1, first: LogSample.t0 + 5, last: LogSample.t0 + 5,
                firstLine: LineReference(path: "error.log", line: 9)),
            ErrorEvent(
                cause: .authfileUnreadable, server: "apache", code: "AH01620", user: nil, path: nil,
                file: "/etc/apache2/.htpasswd", reason: "Permission denied", count: 3, first: LogSample.t0,
                last: LogSample.t0 + 2, firstLine: LineReference(path: "error.log", line: 1)),
        ]
        let findings = LogRules.run(LogSample.summary(errorEvents: events))
        #expect(findings.map(\.id) == ["logs.authfile-unreadable", "logs.password-mismatch"])
        let mismatch = try #require(findings.first { $0.id == "logs.password-mismatch" })
        #expect(
            mismatch.evidence == [
                """
                user \"alice\" on /basic/: 12 lines, 2026-11-29T08:00:00Z – 2026-11-29T08:01:30Z (Apache AH01617; \
                first at error.log:4)
                """,
                "user \"bob\" on /digest/: 1 line, at 2026-11-29T08:00:05Z (Apache AH01794; first at error.log:9)",
            ])
        #expect(mismatch.detail.contains("\"alice\" (12), \"bob\" (1)"))
        #expect(
            mismatch.fix.first
                == """
                Check \"alice\"'s password offline: `why401 htpasswd verify FILE alice` (or `htpasswd -v FILE \
                alice`).
                """
        )
        let unreadable = findings[0]
        #expect(
            unreadable.evidence == [
                """
                file /etc/apache2/.htpasswd (Permission denied): 3 lines, 2026-11-29T08:00:00Z – \
                2026-11-29T08:00:02Z (Apache AH01620; first at error.log:1)
                """
            ])
        #expect(unreadable.detail.contains("500 to every request with credentials"))
        #expect(unreadable.fix.first?.contains("namei -l /etc/apache2/.htpasswd") == true)
    }

    @Test func emptyUserNameMeansMalformedCredentials() throws {
        let e = ErrorEvent(
            cause: .userNotFound, server: "apache", code: "AH01618", user: "", path: "/basic/", file: nil, reason: nil,
            count: 2, first: LogSample.t0, last: LogSample.t0, firstLine: LineReference(path: "e", line: 1))
        let finding = try #require(UserNotFoundLogRule.check(LogEvidence(LogSample.summary(errorEvents: [e]))).first)
        #expect(finding.detail.contains("malformed Basic credentials"))
        #expect(finding.evidence.first?.hasPrefix(#"user "" (empty user name) on /basic/"#) == true)
        // LogScan reports Apache's logged `""` as those two characters: the same words, not `""""`.
        #expect(LogFigures.user(#""""#) == #""" (empty user name)"#)
    }

    @Test func malformedLinesNameTheFirstLines() throws {
        let finding = try #require(MalformedLinesLogRule.check(MalformedLinesLogRule.description.triggering[0]).first)
        #expect(finding.evidence.contains("first: access.log:7, access.log:50"))
        #expect(finding.detail == "2 of 100 access-log lines (2%) did not parse and are left out of every figure.")
    }

    @Test func rankingPutsErrorsFirst() {
        var s = LogSample.spikeSummary()
        s.clients = [LogSample.client("203.0.113.7", failures: 300, peak: 120)]
        s.malformed = 1
        let ids = LogRules.run(s).map(\.id)
        #expect(ids == ["logs.brute-force", "logs.spike", "logs.never-succeeds", "logs.malformed-lines"])
    }

    @Test func hostileLogValuesNeverBecomeCommandsOrDirectives() throws {
        #expect(LogFigures.shell("alice") == "alice")
        #expect(LogFigures.shell("/etc/apache2/.htpasswd") == "/etc/apache2/.htpasswd")
        #expect(LogFigures.shell("$(rm -rf ~)") == "'$(rm -rf ~)'")
        #expect(LogFigures.shell("o'brien") == "'o'\\''brien'")
        #expect(LogFigures.shell("") == "''")
        #expect(
            LogFigures.isAddress("203.0.113.7") && LogFigures.isAddress("2001:db8::1")
                && LogFigures.isAddress("10.0.0.0/8"))
        #expect(
            !LogFigures.isAddress("1.2.3.4; include /etc/passwd") && !LogFigures.isAddress("example.com")
                && !LogFigures.isAddress("abc"))

        let e = ErrorEvent(
            cause: .passwordMismatch, server: "nginx", code: nil, user: "$(reboot)", path: "/", file: nil, reason: nil,
            count: 1, first: LogSample.t0, last: LogSample.t0, firstLine: LineReference(path: "e", line: 1))
        let mismatch = try #require(
            PasswordMismatchLogRule.check(LogEvidence(LogSample.summary(errorEvents: [e]))).first)
        #expect(mismatch.fix.first?.contains("htpasswd verify FILE '$(reboot)'") == true)

        let hostile = LogSample.client("1.2.3.4; include /etc/passwd", failures: 100, peak: 50)
        let brute = try #require(
            BruteForceLogRule.check(
                LogEvidence(
                    LogSample.summary(clients: [hostile, LogSample.client("203.0.113.7", failures: 50, peak: 50)]))
            ).first)
        let fix = brute.fix.joined(separator: "\n")
        #expect(!fix.contains("include /etc/passwd") && fix.contains("deny 203.0.113.7;"))
    }

    // MARK: masking

    @Test func credentialsInLogValuesAreMasked() {
        let basic = "Basic " + Base64.encode(Array("alice:S3cretPass!".utf8))
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
        #expect(LogSecretMasking.text(basic) == "Basic alice:****")
        #expect(!LogSecretMasking.text("curl/8.0 Bearer \(jwt) x").contains(jwt))
        #expect(!LogSecretMasking.text("agent \(jwt)").contains(jwt))
        #expect(LogSecretMasking.path("/api?access_token=abc123&x=1") == "/api?access_token=****&x=1")
        #expect(LogSecretMasking.user("alice") == "alice")
        #expect(
            !LogSecretMasking.user(basic).contains("S3cret")
                && !LogSecretMasking.user(basic).contains(Base64.encode(Array("alice:S3cretPass!".utf8))))
        #expect(LogSecretMasking.text("Mozilla/5.0 (X11; Linux x86_64)") == "Mozilla/5.0 (X11; Linux x86_64)")
        // "Mac" and "Token" are schemes and everyday words: only a credential-shaped word after them is masked.
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15"
        #expect(LogSecretMasking.text(safari) == safari)
        #expect(LogSecretMasking.text("token expired") == "token expired")
        #expect(
            !LogSecretMasking.text("Token ghp_16C7e42F292c6912E7710c838347Ae178B4a").contains(
                "ghp_16C7e42F292c6912E7710c838347Ae178B4a"))
        #expect(!LogSecretMasking.text("Bearer abc").contains("abc"))
        let digest =
            #"Digest username="bob", realm="r", nonce="n", uri="/", response="0123456789abcdef0123456789abcdef""#
        #expect(!LogSecretMasking.text(digest).contains("0123456789abcdef0123456789abcdef"))
    }

    @Test func maskedSummaryKeepsFiguresAndMasksEveryString() {
        let secret = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
        var s = LogSample.summary(
            timeline: [(10, 5)],
            clients: [LogSample.client("192.0.2.1", failures: 5, peak: 5, users: ["Bearer \(secret)"])])
        s.topPaths = [Tally("/x?token=\(secret)", 5)]
        s.topUserAgents = [Tally("bot Bearer \(secret)", 5)]
        s.topUsers = [Tally("Bearer \(secret)", 5)]
        s.users = [UserRecord(name: "Bearer \(secret)", failures: 5, successes: 0, firstFailure: 0, lastFailure: 0)]
        s.errorEvents = [
            ErrorEvent(
                cause: .userNotFound, server: "nginx", code: nil, user: "Bearer \(secret)",
                path: "/?access_token=\(secret)", file: nil, reason: nil, count: 1, first: nil, last: nil,
                firstLine: LineReference(path: "e", line: 1))
        ]
        let m = LogSecretMasking.masked(s)
        #expect(m.requests == s.requests && m.timeline == s.timeline && m.unauthorized == s.unauthorized)
        let strings =
            m.topPaths.map(\.value) + m.topUserAgents.map(\.value) + m.topUsers.map(\.value) + m.users.map(\.name)
            + m.clients.flatMap(\.usersTried)
            + m.errorEvents.compactMap(\.user) + m.errorEvents.compactMap(\.path)
        #expect(strings.count == 7)
        for value in strings { #expect(!value.contains(secret), "not masked: \(value)") }
    }
}
