// The scenario list as a contract: unique ids and paths, causes from the findings catalog, and
// the offline pieces (JWT minting, HMAC, HTTP dates, curl lines).
import Foundation
import HTTPAuth
import Testing

@testable import Lab

@Suite("Lab scenarios (offline)")
struct LabScenarioTests {
    /// Finding ids from docs/findings-contract.md (the contract the demo compares against).
    static func contractIDs() throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/findings-contract.md"), encoding: .utf8)
        var ids = Set<String>()
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let afterTick = line.dropFirst(3)
            if let end = afterTick.firstIndex(of: "`") { ids.insert(String(afterTick[..<end])) }
        }
        return ids
    }

    @Test func idsAndPathsAreUnique() {
        let scenarios = LabScenarios.all
        #expect(Set(scenarios.map(\.id)).count == scenarios.count)
        #expect(Set(scenarios.map(\.path)).count == scenarios.count)
        for scenario in scenarios {
            #expect(
                scenario.path.hasPrefix("/") && scenario.path.hasSuffix("/") && scenario.path.count > 1,
                "\(scenario.id)")
            #expect(!scenario.summary.isEmpty && !scenario.summary.contains("\n"), "\(scenario.id)")
            #expect(!scenario.path.hasPrefix("/.well-known"), "\(scenario.id)")
        }
    }

    @Test func everyExpectedCauseIsAContractID() throws {
        let ids = try Self.contractIDs()
        #expect(ids.count > 50)
        #expect(ids.contains("credentials.rejected"))
        for scenario in LabScenarios.all {
            if let cause = scenario.expectedCause {
                #expect(ids.contains(cause), "\(scenario.id): \(cause) is not in findings-contract.md")
            }
        }
    }

    @Test func coversTheRequiredScenarios() {
        let byID = Dictionary(uniqueKeysWithValues: LabScenarios.all.map { ($0.id, $0) })
        let required: [String: String?] = [
            "healthy": nil, "basic-wrong-password": "credentials.rejected", "no-credentials": "credentials.missing",
            "digest-md5": nil, "digest-sha256": nil, "digest-stale": "digest.stale-nonce",
            "bearer-invalid-token": "token.invalid", "bearer-insufficient-scope": "token.insufficient-scope",
            "bearer-invalid-request": "credentials.malformed", "bearer-expired-jwt": "token.expired",
            "bearer-not-received": "credentials.not-received", "missing-challenge": "challenge.missing",
            "scheme-mismatch": "credentials.scheme-mismatch", "cross-origin-redirect": "redirect.authorization-dropped",
            "flapping": "transient.flapping", "cached-401": "cache.cacheable-401",
            "stale-cookie": "session.stale-cookie",
            "cors-preflight": "cors.preflight-unauthorized", "clock-skew": "clock.skew",
            "resource-metadata-broken": "oauth.resource-metadata-broken", "proxy-407": "challenge.proxy",
        ]
        for (id, cause) in required {
            #expect(byID[id] != nil, "missing scenario \(id)")
            #expect(byID[id]?.expectedCause == cause, "\(id)")
        }
        #expect(byID["basic-wrong-password"]?.path == "/basic/")
        #expect(byID["cross-origin-redirect"]?.path == "/redirect/")
    }

    @Test func clientSetups() {
        let byID = Dictionary(uniqueKeysWithValues: LabScenarios.all.map { ($0.id, $0) })
        #expect(byID["healthy"]?.client.credentials == .basic(user: "alice", password: "correct horse"))
        #expect(
            byID["basic-wrong-password"]?.client.credentials
                == .basic(user: "alice", password: LabScenarios.wrongPassword))
        #expect(byID["no-credentials"]?.client == ClientSetup.none)
        #expect(byID["digest-stale"]?.client.credentials == .digest(user: "alice", password: "correct horse"))
        #expect(byID["stale-cookie"]?.client.cookie == "session=old")
        #expect(byID["cors-preflight"]?.client.origin == LabScenarios.corsOrigin)
        #expect(byID["scheme-mismatch"]?.client.preemptiveAuthorization == "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ==")
        if case .bearer(let token)? = byID["bearer-invalid-request"]?.client.credentials {
            #expect(token.hasPrefix("Bearer "))
        } else {
            Issue.record("bearer-invalid-request must send a Bearer token")
        }
        #expect(ClientSetup.digest(user: "a", password: "b").preemptiveAuthorization == nil)
        #expect(
            ClientSetup.basic(user: "a", password: "b", cookie: "k=v", origin: "http://o").initialHeaders.map(\.name)
                == ["Authorization", "Cookie", "Origin"])
    }

    @Test func jwtsAreMintedRelativeToNow() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let t = 1_800_000_000
        let byID = Dictionary(uniqueKeysWithValues: LabScenarios.all(now: now).map { ($0.id, $0) })
        func token(_ id: String) -> String {
            if case .bearer(let token)? = byID[id]?.client.credentials { return token }
            return ""
        }
        #expect(LabJWT.verify(token("bearer-ok"), now: t) == .valid(scopes: ["read"]))
        #expect(LabJWT.verify(token("bearer-expired-jwt"), now: t) == .expired(secondsAgo: 3 * 3600))
        // Valid for the client, expired for the lab's clock 2 h ahead.
        #expect(LabJWT.verify(token("clock-skew"), now: t) == .valid(scopes: ["read"]))
        #expect(
            LabJWT.verify(token("clock-skew"), now: t + LabScenarios.clockSkewSeconds) == .expired(secondsAgo: 3600))
        #expect(LabJWT.verify(token("bearer-ok"), now: t, secret: "other") == .badSignature)
        #expect(LabJWT.verify("abc.def", now: t) == .malformed("not a JWT (expected three dot-separated parts)"))
        // Claims are readable by anyone (the diagnosis decodes them).
        let payload = token("bearer-expired-jwt").split(separator: ".")[1]
        let bytes = try Base64.decodeReportingError(String(payload), url: true).get()
        let claims = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        #expect(claims?["exp"] as? Int == t - 3 * 3600)
        #expect(claims?["sub"] as? String == "alice")
    }

    @Test func hmacSHA256MatchesRFC4231() {
        // RFC 4231 test case 2.
        let mac = LabJWT.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(
            mac.map { String(format: "%02x", $0) }.joined()
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a key longer than the block size is hashed first.
        let long = LabJWT.hmacSHA256(
            key: [UInt8](repeating: 0xAA, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        #expect(
            long.map { String(format: "%02x", $0) }.joined()
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func httpDates() {
        #expect(HTTPDate.imfFixdate(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.imfFixdate(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.imfFixdate(951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(HTTPDate.imfFixdate(1_800_000_000) == "Fri, 15 Jan 2027 08:00:00 GMT")
    }

    @Test func curlAndWhy401CommandLines() {
        let base = "http://127.0.0.1:8080"
        let byID = Dictionary(uniqueKeysWithValues: LabScenarios.all.map { ($0.id, $0) })
        #expect(
            byID["healthy"]?.curlCommands(baseURL: base).first
                == "curl -i -u 'alice:correct horse' http://127.0.0.1:8080/healthy/")
        #expect(
            byID["digest-md5"]?.curlCommands(baseURL: base).first
                == "curl -i --digest -u 'alice:correct horse' http://127.0.0.1:8080/digest/md5/")
        #expect(byID["stale-cookie"]?.curlCommands(baseURL: base).first?.contains("-b session=old") == true)
        #expect(byID["cors-preflight"]?.curlCommands(baseURL: base).last?.contains("-X OPTIONS") == true)
        #expect(byID["cross-origin-redirect"]?.curlCommands(baseURL: base).first?.contains(" -L ") == true)
        #expect(byID["no-credentials"]?.why401Command(baseURL: base) == "why401 http://127.0.0.1:8080/no-credentials/")
        #expect(
            byID["cors-preflight"]?.why401Command(baseURL: base)
                == "why401 http://127.0.0.1:8080/cors/ -u 'alice:correct horse' --origin http://app.example")
        #expect(Escape.shell("it's") == #"'it'\''s'"#)
        for scenario in LabScenarios.all {
            for command in scenario.curlCommands(baseURL: base) {
                #expect(command.hasPrefix("curl -i ") && command.contains(base + scenario.path), "\(scenario.id)")
            }
        }
    }
}
