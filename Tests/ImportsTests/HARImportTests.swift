import Diagnosis
import Evidence
import Foundation
import HTTPAuth
import TestSupport
import Testing

@testable import Imports

/// Fixtures in `Fixtures/` are shaped like each browser's export (generated once, small, no real secrets):
/// - `chrome-export.har` (Chrome/Edge "Export HAR"): HTTP/2 pseudo-headers (`:authority`…) and lowercase
///   names, `headersSize: -1`, `_initiator`/`_priority`/`_resourceType`/`_transferSize`/`_error: null`
///   extras, a base64 image body, a page without entries (`page_2`), entries without `pageref`, one
///   without `content.text`; a login (POST JSON password, JSON `access_token`, `Set-Cookie` scoped to
///   `/api/account`), the token accepted at +10 s and refused at +120 s after `exp` (+60 s).
/// - `firefox-export.har`: original-case names, `startedDateTime` with a `+01:00` offset, `redirectURL`,
///   `pageTimings` of -1, `_securityState`; a 302 to another origin that dropped Basic credentials, a CORS
///   preflight answered 401, a DRF-style 403 "Authentication credentials were not provided.".
/// - `safari-export.har` (WebKit Web Inspector): `_fetchType`, `bodySize: -1`, `compression`, no
///   `pageref` on most entries, a page without entries, both `Set-Cookie` and `response.cookies`; a login
///   cookie that expires 30 s later, the same page succeeding with it at +5 s and refused at +90 s without
///   it, a 407 from a proxy, a token in the query string.
enum Fixture {
    static func bytes(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "har"))
        return Array(try Data(contentsOf: url))
    }

    static func har(_ name: String) throws -> HARFile { try HARFile.parse(bytes(name)) }

    /// The fixtures' secrets: none may appear in any output.
    static let secrets = [
        "FIXTURE-PASSWORD-1", "FIXTURE-PASSWORD-2", "FIXTURESESSIONCOOKIE", "FIXTURESIDCOOKIE", "FIXTUREQUERYTOKEN",
        "FIXTURESIGNATURE",
        Base64.encode(Array("alice:FIXTURE-PASSWORD-2".utf8)),
    ]
}

/// Per diagnosed entry: the live check's rules plus the HAR rules, as `why401 har` runs them.
func diagnose(_ file: HARFile, now: Double = 1_900_000_000) -> [Int: (status: Int, findings: [Finding])] {
    var out: [Int: (Int, [Finding])] = [:]
    for c in HARAnalysis.cases(file, now: now) {
        let history = HARHistory(
            earlierSuccesses: c.earlierSuccesses.map {
                .init(index: $0.index, line: $0.line, sameCredentials: $0.sameCredentials, cookieNames: $0.cookieNames)
            })
        out[c.index] = (c.status, HARRules.run(c.evidence, history: history))
    }
    return out
}

/// A minimal HAR built in code, for the rules that need one situation each.
struct MiniHAR {
    struct Entry {
        var time: String
        var method = "GET"
        var url: String
        var request: [(String, String)] = []
        var status: Int
        var response: [(String, String)] = []
        var body: String?
    }
    var entries: [Entry]

    var text: String {
        func headers(_ list: [(String, String)]) -> String {
            "["
                + list.map { #"{"name": \#(jsonStringLiteral($0.0)), "value": \#(jsonStringLiteral($0.1))}"# }.joined(
                    separator: ",") + "]"
        }
        let items = entries.map { e in
            let text = e.body.map { ", \"text\": " + jsonStringLiteral($0) } ?? ""
            return """
                {"startedDateTime": "\(e.time)", "time": 5,
                 "request": {"method": "\(e.method)", "url": \(jsonStringLiteral(e.url)), "httpVersion": "HTTP/1.1",
                             "headers": \(headers(e.request)), "cookies": [], "queryString": [], "headersSize": -1,
                             "bodySize": 0},
                 "response": {"status": \(e.status), "statusText": "", "httpVersion": "HTTP/1.1",
                              "headers": \(headers(e.response)), "cookies": [],
                              "content": {"size": 0, "mimeType": "text/plain"\(text)},
                              "redirectURL": "", "headersSize": -1, "bodySize": -1},
                 "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0}}
                """
        }
        return #"{"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": ["#
            + items.joined(separator: ",\n") + "]}}"
    }

    var file: HARFile { get throws { try HARFile.parse(Array(text.utf8)) } }
}

@Suite struct HARParsingTests {
    @Test func chromeExportParsesWithItsQuirks() throws {
        let har = try Fixture.har("chrome-export")
        #expect(har.version == "1.2")
        #expect(har.creator == "WebInspector 537.36")
        #expect(har.pageCount == 2)
        #expect(har.entries.count == 5)
        let me = har.entries[2]
        #expect(me.method == "GET" && me.status == 401)
        #expect(!me.requestHeaders.contains { $0.name.hasPrefix(":") }, "pseudo-headers are dropped")
        #expect(me.requestHeaders.first("Authorization")?.hasPrefix("Bearer ") == true, "header names in any case")
        #expect(me.started == 1_796_119_320.123)
        #expect(har.entries[3].body.isEmpty, "content.text absent")
        #expect(Array(har.entries[4].body.prefix(4)) == [0x89, 0x50, 0x4E, 0x47], "base64 body decoded")
    }

    @Test func firefoxOffsetsAndSafariPagelessEntries() throws {
        let firefox = try Fixture.har("firefox-export")
        // 11:00:00.456+01:00 is 10:00:00.456Z.
        #expect(firefox.entries[0].started == 1_796_119_200.456)
        #expect(firefox.entries[0].redirectURL == "https://files.example.test/v1/report")
        let safari = try Fixture.har("safari-export")
        #expect(safari.entries.count == 5)
        #expect(safari.entries[0].responseCookies.first?.name == "sid")
        #expect(safari.entries[2].status == 401)
    }

    @Test func isoDates() {
        #expect(ISO8601.parse("2026-12-06T06:36:02.866662+00:00").map { ($0 * 1000).rounded() } == 1_796_538_962_867)
        #expect(ISO8601.parse("2026-12-06T07:36:02+0100") == 1_796_538_962)
        #expect(ISO8601.parse("yesterday") == nil)
    }

    @Test(
        "bad input: one clear error, never a crash, never the file's content",
        arguments: [
            ("", "empty"), ("   \n", "empty"), ("hello", "not JSON"),
            (#"{"log": {"version": "2.0", "entries": []}}"#, "unsupported HAR version 2.0"),
            (#"{"foo": 1}"#, "no \"log\""), ("[1, 2]", "not an object"),
            (#"{"log": {"version": "1.2"}}"#, "log.entries is missing"),
            (
                #"""
                {"log": {"version": "1.2", "entries": [{"request": {"headers": [{"name": "Authorization", \#
                "value": "Bearer SECRET-IN-TRUNCATED
                """#,
                "truncated"
            ),
            (#"{"log": {"entries": [1]}}"#, "is not an object"),
            (#"{"log": {"entries": []}} trailing"#, "more data after the end"),
            (String(repeating: "[", count: 50), "not an object"),
            ("{\"log\":" + String(repeating: "[", count: 300), "deeper than"),
            (#"{"log": {"version": "1.2", "entries": [{"x": "SECRET-CONTROL\#u{01}"}]}}"#, "control character"),
        ])
    func badInput(text: String, message: String) {
        #expect {
            try HARFile.parse(Array(text.utf8))
        } throws: { error in
            let description = (error as? HARError)?.description ?? ""
            return description.contains(message) && !description.contains("SECRET") && !description.contains("\n")
        }
    }

    @Test func oneMegabyteOfGarbageFailsFast() {
        var rng = SystemRandomNumberGenerator()
        let garbage = (0..<(1 << 20)).map { _ in UInt8.random(in: 0x20...0x7E, using: &rng) } + [0x0A]
        let start = ContinuousClock.now
        #expect(throws: HARError.self) { try HARFile.parse(garbage) }
        #expect(throws: HARError.self) { try HARFile.parse(Array("{\"log\":".utf8) + garbage) }
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}

@Suite struct HARDiagnosisTests {
    @Test func chromeTokenExpiredBetweenTwoRequests() throws {
        let result = diagnose(try Fixture.har("chrome-export"))
        #expect(Set(result.keys) == [2, 3], "only the 401s are diagnosed")
        let expired = try #require(result[2]?.findings)
        #expect(expired.first?.id == "token.expired")
        #expect(
            expired.first?.evidence.contains { $0.contains("succeeded earlier") && $0.contains("entry 1") } == true,
            "\(expired)")
        let orders = try #require(result[3]?.findings)
        let notSent = try #require(orders.first { $0.id == "session.cookie-not-sent" })
        #expect(
            notSent.evidence.contains {
                $0.contains("cookie session") && $0.contains("path /api/account") && $0.contains("entry 0")
            })
    }

    @Test func firefoxRedirectPreflightAndAuthLooking403() throws {
        let result = diagnose(try Fixture.har("firefox-export"))
        #expect(Set(result.keys) == [1, 2, 3])
        let redirect = try #require(result[1]?.findings.first)
        #expect(redirect.id == "redirect.authorization-dropped")
        #expect(redirect.evidence.first?.contains("api.example.test/v1/report → 302") == true)
        #expect(result[2]?.findings.first?.id == "cors.preflight-unauthorized")
        #expect(result[3]?.status == 403)
        #expect(result[3]?.findings.map(\.id).contains("status.forbidden-semantics") == true)
    }

    @Test func safariExpiredLoginCookieProxyAndQueryToken() throws {
        let result = diagnose(try Fixture.har("safari-export"))
        #expect(Set(result.keys) == [2, 3, 4])
        let expired = try #require(result[2]?.findings.first)
        #expect(expired.id == "session.expired-cookie")
        #expect(expired.severity == .error)
        #expect(expired.evidence.contains { $0.contains("sid") && $0.contains("set by entry 0") })
        #expect(result[3]?.findings.first?.id == "challenge.proxy")
        #expect(result[4]?.findings.first?.id == "credentials.in-query")
    }

    @Test func sameRequestSucceededEarlierWithTheSameCredentialsIsFlapping() throws {
        let auth = ("Authorization", "Basic " + Base64.encode(Array("bob:pw-flap".utf8)))
        let har = MiniHAR(entries: [
            .init(time: "2026-12-01T10:00:00Z", url: "https://api.example.test/me", request: [auth], status: 200),
            .init(
                time: "2026-12-01T10:00:05Z", url: "https://api.example.test/me", request: [auth], status: 401,
                response: [("WWW-Authenticate", #"Basic realm="api""#)]),
        ])
        let findings = try #require(diagnose(try har.file)[1]?.findings)
        let flapping = try #require(findings.first { $0.id == "transient.flapping" })
        #expect(flapping.evidence.contains { $0.contains("entry 0") })
    }

    @Test func aLaterRetryThatWorksIsRecovered() throws {
        let auth = ("Authorization", "Bearer opaque-token-value-123")
        let har = MiniHAR(entries: [
            .init(
                time: "2026-12-01T10:00:00Z", url: "https://api.example.test/me", request: [auth], status: 401,
                response: [("WWW-Authenticate", "Bearer")]),
            .init(time: "2026-12-01T10:00:01Z", url: "https://api.example.test/me", request: [auth], status: 200),
            .init(time: "2026-12-01T10:00:02Z", url: "https://api.example.test/me", request: [auth], status: 200),
        ])
        let result = diagnose(try har.file)
        #expect(Set(result.keys) == [0])
        #expect(result[0]?.findings.map(\.id).contains("transient.recovered") == true, "\(result)")
    }

    @Test("cookies: Secure on http, host-only on a subdomain, SameSite cross-site, dropped by the next request")
    func cookieRules() throws {
        let har = MiniHAR(entries: [
            .init(
                time: "2026-12-01T10:00:00Z", method: "POST", url: "https://example.test/login", status: 200,
                response: [
                    ("Set-Cookie", "secure_sid=v1; Path=/; Secure"), ("Set-Cookie", "host_sid=v2; Path=/"),
                    ("Set-Cookie", "strict_sid=v3; Path=/; Domain=example.test; SameSite=Strict"),
                ]),
            // plain http: secure_sid is not sent
            .init(
                time: "2026-12-01T10:00:01Z", url: "http://example.test/a",
                request: [("Cookie", "host_sid=v2; strict_sid=v3")], status: 401),
            // subdomain: host_sid is host-only
            .init(
                time: "2026-12-01T10:00:02Z", url: "https://api.example.test/b", request: [("Cookie", "strict_sid=v3")],
                status: 401),
            // cross-site: strict_sid stays home
            .init(
                time: "2026-12-01T10:00:03Z", url: "https://example.test/c",
                request: [("Cookie", "secure_sid=v1; host_sid=v2"), ("Sec-Fetch-Site", "cross-site")],
                status: 401),
            // same site, in scope, yet not sent
            .init(
                time: "2026-12-01T10:00:04Z", url: "https://example.test/d",
                request: [("Cookie", "secure_sid=v1; strict_sid=v3")], status: 401),
        ])
        let result = diagnose(try har.file)
        func notSent(_ index: Int) -> [String] {
            result[index]?.findings.first { $0.id == "session.cookie-not-sent" }?.evidence ?? []
        }
        #expect(notSent(1).contains { $0.contains("secure_sid") && $0.contains("Secure") }, "\(notSent(1))")
        #expect(notSent(2).contains { $0.contains("host_sid") && $0.contains("host-only") }, "\(notSent(2))")
        #expect(notSent(3).contains { $0.contains("strict_sid") && $0.contains("SameSite=Strict") }, "\(notSent(3))")
        #expect(notSent(4).contains { $0.contains("host_sid") && $0.contains("did not carry it") }, "\(notSent(4))")
        #expect(!notSent(4).contains { $0.contains("secure_sid") || $0.contains("strict_sid") })
    }

    @Test func thePreflightBeforeTheRequestIsItsPreflightStep() throws {
        let har = MiniHAR(entries: [
            .init(
                time: "2026-12-01T10:00:00Z", method: "OPTIONS", url: "https://api.example.test/items/7",
                request: [
                    ("Origin", "https://app.example.test"), ("Access-Control-Request-Method", "DELETE"),
                    ("Access-Control-Request-Headers", "authorization"),
                ],
                status: 204,
                response: [
                    ("Access-Control-Allow-Origin", "https://app.example.test"),
                    ("Access-Control-Allow-Methods", "GET, DELETE"),
                ]),
            .init(
                time: "2026-12-01T10:00:01Z", method: "DELETE", url: "https://api.example.test/items/7",
                request: [("Origin", "https://app.example.test"), ("Authorization", "Bearer opaque-token-value-456")],
                status: 401,
                response: [("WWW-Authenticate", #"Bearer realm="api""#)]),
        ])
        let c = try #require(HARAnalysis.cases(try har.file, now: 0).first)
        #expect(c.evidence.first(.preflight)?.label == "entry 0")
        #expect(c.evidence.origin == "https://app.example.test")
        let failed = try #require(diagnose(try har.file)[1]?.findings.first { $0.id == "cors.preflight-failed" })
        #expect(failed.evidence.contains { $0.contains("Authorization") }, "\(failed)")
    }

    @Test func aCookieDeletedByTheServerIsNotReported() throws {
        let har = MiniHAR(entries: [
            .init(
                time: "2026-12-01T10:00:00Z", url: "https://example.test/login", request: [("Cookie", "x=1")],
                status: 200, response: [("Set-Cookie", "sid=a; Path=/")]),
            .init(
                time: "2026-12-01T10:00:01Z", url: "https://example.test/logout", request: [("Cookie", "sid=a")],
                status: 200, response: [("Set-Cookie", "sid=; Path=/; Max-Age=0")]),
            .init(
                time: "2026-12-01T10:00:02Z", url: "https://example.test/me", request: [("Cookie", "x=1")],
                status: 401),
        ])
        let findings = diagnose(try har.file)[2]?.findings ?? []
        #expect(
            !findings.contains { $0.id == "session.cookie-not-sent" || $0.id == "session.expired-cookie" },
            "\(findings)")
    }

    @Test func okEntriesAndBoring403sAreNotDiagnosed() throws {
        let har = MiniHAR(entries: [
            .init(time: "2026-12-01T10:00:00Z", url: "https://example.test/", status: 200),
            .init(
                time: "2026-12-01T10:00:01Z", url: "https://example.test/private", status: 403,
                body: "<h1>Forbidden</h1> directory listing denied"),
            .init(time: "2026-12-01T10:00:02Z", url: "https://example.test/x", status: 0),
        ])
        #expect(diagnose(try har.file).isEmpty)
    }
}

@Suite struct HARSecretsTests {
    @Test func chromeJoinedSetCookieLinesAreEachMaskedAndEachStored() throws {
        let har = MiniHAR(entries: [
            .init(
                time: "2026-12-01T10:00:00Z", method: "POST", url: "https://example.test/login", status: 200,
                response: [("set-cookie", "a=JOINED-SECRET-1; Path=/\nb=JOINED-SECRET-2; Path=/admin")]),
            .init(
                time: "2026-12-01T10:00:01Z", url: "https://example.test/admin/x",
                request: [("Cookie", "a=JOINED-SECRET-1")], status: 401),
        ])
        let file = try har.file
        #expect(file.entries[0].responseHeaders.values("Set-Cookie").count == 2)
        #expect(HARSecrets.locations(file).contains("cookie b (Set-Cookie): entry 0"))
        let notSent = diagnose(file)[1]?.findings.first { $0.id == "session.cookie-not-sent" }
        #expect(notSent?.evidence.contains { $0.contains("cookie b") } == true, "\(String(describing: notSent))")
        let copy = String(decoding: try HARSecrets.redact(Array(har.text.utf8)), as: UTF8.self)
        #expect(!copy.contains("JOINED-SECRET"))
        #expect(copy.contains(#"a=****; Path=/\nb=****; Path=/admin"#))
    }

    @Test func locationsNameFieldsNeverValues() throws {
        for name in ["chrome-export", "firefox-export", "safari-export"] {
            let lines = HARSecrets.locations(try Fixture.har(name))
            #expect(!lines.isEmpty)
            for secret in Fixture.secrets { #expect(!lines.joined().contains(secret), "\(name): \(secret)") }
        }
        let chrome = HARSecrets.locations(try Fixture.har("chrome-export"))
        #expect(chrome.contains("request header authorization: entries 1, 2"), "\(chrome)")
        #expect(chrome.contains("request body field password: entry 0"))
        #expect(chrome.contains("response body field access_token: entry 0"))
        #expect(chrome.contains("cookie session (Set-Cookie): entry 0"))
        let safari = HARSecrets.locations(try Fixture.har("safari-export"))
        #expect(safari.contains("query parameter access_token: entry 4"), "\(safari)")
        #expect(safari.contains("cookie sid (Cookie header): entry 1"))
        #expect(HARRules.containsSecrets(safari)?.id == "har.contains-secrets")
        #expect(HARRules.containsSecrets([]) == nil)
    }

    @Test(
        "--redact: secrets masked, every other JSON value the same, the same 401s read back",
        arguments: ["chrome-export", "firefox-export", "safari-export"])
    func redactedCopy(name: String) throws {
        let original = try Fixture.bytes(name)
        let copy = try HARSecrets.redact(original)
        let copyText = String(decoding: copy, as: UTF8.self)
        for secret in Fixture.secrets { #expect(!copyText.contains(secret), "\(secret) left in the copy") }
        // Every JSON value but the masked strings is identical (compared by an independent parser).
        let a = try JSONSerialization.jsonObject(with: Data(original))
        let b = try JSONSerialization.jsonObject(with: Data(copy))
        var changed: [String] = []
        func walk(_ x: Any, _ y: Any, _ path: String) {
            if let x = x as? [String: Any], let y = y as? [String: Any] {
                #expect(Set(x.keys) == Set(y.keys), "\(path)")
                for (k, v) in x { if let w = y[k] { walk(v, w, path + "/" + k) } }
            } else if let x = x as? [Any], let y = y as? [Any] {
                #expect(x.count == y.count, "\(path)")
                for (i, pair) in zip(x, y).enumerated() { walk(pair.0, pair.1, path + "/\(i)") }
            } else if let x = x as? String, let y = y as? String {
                if x != y { changed.append(path) }
            } else {
                #expect(String(describing: x) == String(describing: y), "\(path)")
            }
        }
        walk(a, b, "")
        #expect(!changed.isEmpty)
        let allowed = ["/headers/", "/cookies/", "/postData/text", "/content/text", "/request/url", "/queryString/"]
        for path in changed { #expect(allowed.contains { path.contains($0) }, "unexpected change at \(path)") }
        // Only the secrets changed: the copy reads back with the same diagnosed entries and no secrets left.
        let before = try HARFile.parse(original)
        let after = try HARFile.parse(copy)
        #expect(diagnose(before).mapValues(\.status) == diagnose(after).mapValues(\.status))
        #expect(HARSecrets.locations(after).isEmpty, "\(HARSecrets.locations(after))")
        // Bytes outside the replaced literals are untouched: the first replacement starts after a common prefix,
        // and the copy of an already redacted copy is byte-for-byte itself.
        #expect(try HARSecrets.redact(copy) == copy)
    }
}
