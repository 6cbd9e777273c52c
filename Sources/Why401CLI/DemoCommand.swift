import ArgumentParser
import Checkup
import Diagnosis
import Evidence
import HTTPAuth
import Imports
import Lab
import Report

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 demo`: starts the embedded lab on a free loopback port, diagnoses every scenario with
/// the same plan and rules as `why401 URL`, and checks each verdict against the known cause.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run why401 against its built-in lab: one scenario per cause of a 401.",
        discussion: """
            Starts the lab server on 127.0.0.1 (a free port), runs the full check on each scenario — Basic, Digest, \
            Bearer error codes, a missing challenge, a cross-origin redirect, flapping, a cached 401, a stale \
            cookie, a CORS preflight, a skewed clock, broken OAuth metadata, a 407 proxy, healthy controls — \
            and prints scenario → diagnosed cause → ✓/✗. Exits 0 only when every diagnosis matches.
            """
    )

    @Option(name: .long, help: "Run only the scenarios whose id contains this text.")
    var only: String?

    @Flag(name: .long, help: "Also print each scenario's full report.")
    var verbose = false

    @OptionGroup var output: OutputOptions

    struct Row {
        /// The lab scenario, or an offline input shown on it (`pasted-curl`, `har-export`).
        var id: String
        var path: String
        var expected: String?
        var cause: String?
        var outcome: DiagnosticReport.Outcome
        var matched: Bool
        var report: DiagnosticReport
    }

    func run() async throws {
        let lab: LabServer
        do {
            lab = try await LabServer.start()
        } catch {
            throw CLIFailure.incomplete("cannot start the lab on 127.0.0.1: \(error)")
        }
        var rows: [Row] = []
        for scenario in lab.scenarios where only.map({ scenario.id.contains($0) }) ?? true {
            let outcome = await Checkup.run(Self.request(for: scenario, lab: lab))
            let report = CheckReport.build(outcome, command: "check")
            rows.append(Self.row(id: scenario.id, path: scenario.path, expected: scenario.expectedCause, report: report))
        }
        // The offline inputs on the same lab: a pasted "Copy as cURL" line and a browser export.
        if only.map({ "pasted-curl".contains($0) }) ?? true { rows.append(try await Self.pastedCurl(lab: lab)) }
        if only.map({ "har-export".contains($0) }) ?? true, let row = await Self.harExport(lab: lab) { rows.append(row) }
        try? await lab.stop()
        if rows.isEmpty { throw CLIFailure.usage("no scenario id contains '\(only ?? "")'") }
        try emit(rows)
    }

    static func row(id: String, path: String, expected: String?, report: DiagnosticReport) -> Row {
        let matched = expected.map { report.cause == $0 && report.outcome != .ok } ?? (report.outcome == .ok)
        return Row(id: id, path: path, expected: expected, cause: report.cause, outcome: report.outcome, matched: matched, report: report)
    }

    /// `why401 curl` on a line as Chrome's "Copy as cURL (bash)" writes it, with a wrong password.
    static func pastedCurl(lab: LabServer) async throws -> Row {
        let url = lab.baseURL + "/basic/"
        let wrong = Base64.encode(Array("\(LabScenarios.user):wrong password".utf8))
        let line = """
            curl '\(url)' \\
              -H 'Accept: text/html,application/xhtml+xml' \\
              -H 'Authorization: Basic \(wrong)' \\
              -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64)' \\
              --compressed
            """
        let (request, notes) = try CurlImport.checkRequest(try CurlImport.parse(text: line), settings: demoSettings(url))
        let outcome = await Checkup.run(request)
        var report = CheckReport.build(outcome, command: "curl")
        // Shown as pasted, with the credential masked like every other output.
        let shown = line.replacingOccurrences(
            of: "Basic \(wrong)", with: SecretMasking.maskHeaderValue(name: "Authorization", value: "Basic \(wrong)"))
        report.sections.insert(.init(title: "Pasted", lines: shown.split(separator: "\n").map(String.init) + notes), at: 0)
        return row(id: "pasted-curl", path: "/basic/", expected: "credentials.rejected", report: report)
    }

    /// `why401 har` on an export of the lab's expired-token scenario as a browser records it: the
    /// request as sent (token included: a HAR holds secrets) and the lab's answer.
    static func harExport(lab: LabServer) async -> Row? {
        guard let scenario = lab.scenarios.first(where: { $0.id == "bearer-expired-jwt" }),
            case .bearer(let token) = scenario.client.credentials
        else { return nil }
        let outcome = await Checkup.run(request(for: scenario, lab: lab))
        guard let exchange = outcome.evidence.first(.asGiven)?.exchange, let response = exchange.response else { return nil }
        func headers(_ fields: [HeaderField]) -> JSONValue {
            .array(fields.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })
        }
        let requestHeaders = exchange.request.headers.map { $0.name.lowercased() == "authorization" ? HeaderField($0.name, "Bearer " + token) : $0 }
        let started = HTTPDate.iso8601(outcome.evidence.localTime)
        let entry: JSONValue = .object([
            ("startedDateTime", .string(started)), ("time", .double(exchange.milliseconds ?? 1)),
            ("request", .object([
                ("method", .string(exchange.request.method)), ("url", .string(exchange.request.url)), ("httpVersion", .string("HTTP/1.1")),
                ("cookies", .array([])), ("headers", headers(requestHeaders)), ("queryString", .array([])), ("headersSize", .int(-1)),
                ("bodySize", .int(0)),
            ])),
            ("response", .object([
                ("status", .int(response.status)), ("statusText", .string("Unauthorized")), ("httpVersion", .string("HTTP/1.1")),
                ("cookies", .array([])), ("headers", headers(response.headers)),
                ("content", .object([("size", .int(response.bodyPrefix.count)), ("mimeType", .string(response.headers.first("Content-Type") ?? "")),
                    ("text", .string(String(decoding: response.bodyPrefix, as: UTF8.self)))])),
                ("redirectURL", .string("")), ("headersSize", .int(-1)), ("bodySize", .int(response.bodyPrefix.count)),
            ])),
            ("cache", .object([])), ("timings", .object([("send", .int(0)), ("wait", .double(exchange.milliseconds ?? 1)), ("receive", .int(0))])),
        ])
        let har: JSONValue = .object([
            ("log", .object([
                ("version", .string("1.2")), ("creator", .object([("name", .string("why401 demo")), ("version", .string("1"))])),
                ("entries", .array([entry])),
            ]))
        ])
        guard let parsed = try? HARFile.parse(Array(har.serialized().utf8)) else { return nil }
        let report = HARCommand.report(parsed, subject: "lab export (bearer-expired-jwt)", now: outcome.evidence.localTime)
        return row(id: "har-export", path: scenario.path, expected: "token.expired", report: report)
    }

    /// Plan settings of the demo's offline rows: short timeouts, as for the scenarios.
    static func demoSettings(_ url: String) -> CheckRequest {
        var settings = CheckRequest(url: url)
        settings.probe.connectTimeout = 2
        settings.probe.readTimeout = 5
        settings.probe.deadline = 5
        settings.maxTime = 20
        return settings
    }

    /// The scenario's client, as `why401 URL` options would give it.
    static func request(for scenario: LabScenario, lab: LabServer) -> CheckRequest {
        var request = CheckRequest(url: scenario.url(on: lab))
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
        request.probe.connectTimeout = 2
        request.probe.readTimeout = 5
        request.probe.deadline = 5
        request.maxTime = 20
        return request
    }

    func emit(_ rows: [Row]) throws {
        let result = DemoResult(rows: rows.map { DemoResult.Row(id: $0.id, path: $0.path, expected: $0.expected, report: $0.report) })
        try output.emit(DemoReport.report(result, verbose: verbose))
    }
}

/// `why401 lab`: the scenario server for people to try with curl, a browser or why401.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run the built-in lab server on loopback until Ctrl-C.",
        discussion: "Open http://127.0.0.1:PORT/ for the list of scenarios, each with a curl and a why401 command line."
    )

    @Option(name: .long, help: "Port on 127.0.0.1 (0 = any free port).")
    var port: Int = 8401

    @Option(name: .long, help: "Port of the second origin used by the cross-origin redirect (0 = any free port).")
    var secondPort: Int = 0

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if !(0...65535).contains(port) || !(0...65535).contains(secondPort) { throw ValidationError("ports are 0–65535") }
    }

    func run() async throws {
        let json = output.effectiveFormat == .json
        do {
            // The description is printed before the first request is served.
            _ = try await LabServer.start(port: port, secondPort: secondPort, onReady: { lab in Self.describe(lab, json: json) })
        } catch {
            throw CLIFailure.incomplete("cannot start the lab on 127.0.0.1:\(port): \(error)")
        }
        // Serve until interrupted: SIGINT/SIGTERM end the process; the kernel closes the sockets.
        while true { try await Task.sleep(for: .seconds(3600)) }
    }

    /// The banner (text) or one JSON document describing the running lab.
    static func describe(_ lab: LabServer, json: Bool) {
        if json {
            let scenarios = lab.scenarios.map { scenario -> JSONValue in
                .object([
                    ("scenario", .string(scenario.id)), ("url", .string(scenario.url(on: lab))), ("summary", .string(scenario.summary)),
                    ("expected", .optional(scenario.expectedCause)),
                ])
            }
            let report = DiagnosticReport(
                command: "lab", subject: lab.baseURL, outcome: .ok,
                extra: [("second_origin", .string(lab.secondBaseURL)), ("scenarios", .array(scenarios))])
            print(report.rendered(as: .json), terminator: "")
        } else {
            print("why401 lab on \(lab.baseURL)/ (second origin \(lab.secondBaseURL)/) — Ctrl-C stops it")
            for scenario in lab.scenarios {
                print("  \(scenario.url(on: lab))  \(scenario.summary)")
            }
        }
        fflush(nil)
    }
}
