import Checkup
import Evidence
import HTTPAuth
import Imports
import Lab
import Report

/// `why401 demo`: which rows of the demo to run.
public struct DemoRequest: Sendable {
    /// Only the rows whose id contains this text (a scenario id, `pasted-curl`, `har-export`); nil: all.
    public var only: String?

    public init(only: String? = nil) {
        self.only = only
    }

    func includes(_ id: String) -> Bool { only.map { id.contains($0) } ?? true }
}

extension UseCase {
    /// Starts the embedded lab on a free loopback port, diagnoses every scenario with the same plan
    /// and rules as `check`, then the two offline inputs on the same lab — a pasted "Copy as cURL"
    /// line (`diagnoseCurl`'s path) and a browser export of a refused request (`analyzeHAR`'s path) —
    /// and stops the lab. Each row carries the cause its scenario must get, so the demo doubles as an
    /// end-to-end self-test that any front end can show. Throws `AuditFailure.incomplete` when the
    /// lab cannot start and `.usage` when `only` matches no row.
    public static func demo(_ request: DemoRequest) async throws -> DemoResult {
        let lab: LabServer
        do {
            lab = try await LabServer.start()
        } catch {
            throw AuditFailure.incomplete("cannot start the lab on 127.0.0.1: \(error)")
        }
        var rows: [DemoResult.Row] = []
        for scenario in lab.scenarios where request.includes(scenario.id) {
            let result = await runCheck(
                demoCheckRequest(for: scenario, lab: lab), command: "check", notes: [], followedRedirectNote: nil)
            rows.append(
                demoRow(scenario.id, path: scenario.path, expected: scenario.expectedCause, CheckReport.report(result)))
        }
        if request.includes("pasted-curl") {
            do {
                rows.append(try await demoPastedCurl(lab: lab))
            } catch {
                try? await lab.stop()
                throw error
            }
        }
        if request.includes("har-export"), let row = await demoHARExport(lab: lab) { rows.append(row) }
        try? await lab.stop()
        if rows.isEmpty { throw AuditFailure.usage("no scenario id contains '\(request.only ?? "")'") }
        return DemoResult(rows: rows)
    }

    /// A row's report judged by the default exit policy (errors only): a scenario "matches" by the
    /// cause and outcome a plain `why401 URL` gives, whatever threshold the demo itself is run with.
    static func demoRow(_ id: String, path: String, expected: String?, _ report: DiagnosticReport) -> DemoResult.Row {
        DemoResult.Row(id: id, path: path, expected: expected, report: ExitPolicy().applied(to: report))
    }

    /// `why401 curl` on a line as Chrome's "Copy as cURL (bash)" writes it, with a wrong password.
    /// The line is shown as pasted (credential masked) with what it was read as, before the Plan.
    static func demoPastedCurl(lab: LabServer) async throws -> DemoResult.Row {
        let url = lab.baseURL + "/basic/"
        let wrong = Base64.encode(Array("\(LabScenarios.user):wrong password".utf8))
        let line = """
            curl '\(url)' \\
              -H 'Accept: text/html,application/xhtml+xml' \\
              -H 'Authorization: Basic \(wrong)' \\
              -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64)' \\
              --compressed
            """
        let pasted = try parseCurl(.text(line))
        let (checkRequest, notes) = try curlCheckRequest(
            pasted, settings: demoSettings(url), readsFiles: false, password: nil)
        let shown = line.replacingOccurrences(
            of: "Basic \(wrong)", with: SecretMasking.maskHeaderValue(name: "Authorization", value: "Basic \(wrong)"))
        let pastedSection = DiagnosticReport.Section(
            title: "Pasted", lines: shown.split(separator: "\n").map(String.init) + notes)
        let result = await runCheck(
            checkRequest, command: "curl", notes: [], followedRedirectNote: nil, preface: [pastedSection])
        return demoRow("pasted-curl", path: "/basic/", expected: "credentials.rejected", CheckReport.report(result))
    }

    /// `why401 har` on an export of the lab's expired-token scenario as a browser records it: the
    /// request as sent (token included: a HAR holds secrets) and the lab's answer. Nil when the lab
    /// gave no answer to record (the row is then left out rather than faked).
    static func demoHARExport(lab: LabServer) async -> DemoResult.Row? {
        guard let scenario = lab.scenarios.first(where: { $0.id == "bearer-expired-jwt" }),
            case .bearer(let token) = scenario.client.credentials
        else { return nil }
        let outcome = await Checkup.run(demoCheckRequest(for: scenario, lab: lab))
        guard let exchange = outcome.evidence.first(.asGiven)?.exchange, let response = exchange.response else {
            return nil
        }
        func headers(_ fields: [HeaderField]) -> JSONValue {
            .array(fields.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })
        }
        // The evidence holds the token masked; a browser's export holds it as sent.
        let requestHeaders = exchange.request.headers.map {
            $0.name.lowercased() == "authorization" ? HeaderField($0.name, "Bearer " + token) : $0
        }
        let milliseconds = exchange.milliseconds ?? 1
        let body = response.bodyPrefix
        let harRequest: JSONValue = .object([
            ("method", .string(exchange.request.method)), ("url", .string(exchange.request.url)),
            ("httpVersion", .string("HTTP/1.1")), ("cookies", .array([])), ("headers", headers(requestHeaders)),
            ("queryString", .array([])), ("headersSize", .int(-1)), ("bodySize", .int(0)),
        ])
        let content: JSONValue = .object([
            ("size", .int(body.count)), ("mimeType", .string(response.headers.first("Content-Type") ?? "")),
            ("text", .string(String(decoding: body, as: UTF8.self))),
        ])
        let harResponse: JSONValue = .object([
            ("status", .int(response.status)), ("statusText", .string("Unauthorized")),
            ("httpVersion", .string("HTTP/1.1")), ("cookies", .array([])), ("headers", headers(response.headers)),
            ("content", content), ("redirectURL", .string("")), ("headersSize", .int(-1)),
            ("bodySize", .int(body.count)),
        ])
        let timings: JSONValue = .object([("send", .int(0)), ("wait", .double(milliseconds)), ("receive", .int(0))])
        let entry: JSONValue = .object([
            ("startedDateTime", .string(HTTPDate.iso8601(outcome.evidence.localTime))), ("time", .double(milliseconds)),
            ("request", harRequest), ("response", harResponse), ("cache", .object([])), ("timings", timings),
        ])
        let creator: JSONValue = .object([("name", .string("why401 demo")), ("version", .string("1"))])
        let har: JSONValue = .object([
            ("log", .object([("version", .string("1.2")), ("creator", creator), ("entries", .array([entry]))]))
        ])
        guard let parsed = try? HARFile.parse(Array(har.serialized().utf8)) else { return nil }
        let result = analyze(parsed, subject: "lab export (bearer-expired-jwt)", now: outcome.evidence.localTime)
        return demoRow("har-export", path: scenario.path, expected: "token.expired", HARReport.report(result))
    }

    /// Plan settings of the demo: short timeouts, so a broken lab ends the demo quickly.
    static func demoSettings(_ url: String) -> CheckRequest {
        var settings = CheckRequest(url: url)
        settings.probe.connectTimeout = 2
        settings.probe.readTimeout = 5
        settings.probe.deadline = 5
        settings.maxTime = 20
        return settings
    }

    /// The scenario's client, as `why401 URL` options would give it.
    static func demoCheckRequest(for scenario: LabScenario, lab: LabServer) -> CheckRequest {
        var request = demoSettings(scenario.url(on: lab))
        request.method = scenario.client.method
        switch scenario.client.credentials {
        case .none: break
        case .basic(let user, let password):
            request.user = user
            request.password = password
        case .digest(let user, let password):
            request.user = user
            request.password = password
            request.passwordMode = .digest
        case .bearer(let token): request.bearer = token
        }
        if let cookie = scenario.client.cookie {
            for pair in cookie.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).trimmingOWS }
                if parts.count == 2 { request.cookies.append((parts[0], parts[1])) }
            }
        }
        request.origin = scenario.client.origin
        return request
    }
}
