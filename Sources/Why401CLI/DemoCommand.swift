import ArgumentParser
import Checkup
import Diagnosis
import Evidence
import HTTPAuth
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
        var scenario: LabScenario
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
            let matched: Bool
            if let expected = scenario.expectedCause {
                matched = report.cause == expected && report.outcome != .ok
            } else {
                matched = report.outcome == .ok
            }
            rows.append(Row(scenario: scenario, cause: report.cause, outcome: report.outcome, matched: matched, report: report))
        }
        try? await lab.stop()
        if rows.isEmpty { throw CLIFailure.usage("no scenario id contains '\(only ?? "")'") }
        try emit(rows)
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
        let failures = rows.filter { !$0.matched }
        let summary = "\(rows.count - failures.count) of \(rows.count) scenarios diagnosed as expected"
        let findings = failures.map { row in
            Finding(
                entry: CatalogEntry(
                    id: "demo.mismatch", severity: .error, audience: .admin, title: "Scenario \(row.scenario.id) was misdiagnosed",
                    explanation: "expected \(row.scenario.expectedCause ?? "no problem (exit 0)"), got \(row.cause ?? "no cause") (\(row.outcome.rawValue))",
                    fix: ["Run `why401 demo --only \(row.scenario.id) --verbose`"], references: ["why401 lab"]))
        }
        let table = rows.map { row -> JSONValue in
            .object([
                ("scenario", .string(row.scenario.id)), ("path", .string(row.scenario.path)),
                ("expected", .optional(row.scenario.expectedCause)), ("diagnosed", .optional(row.cause)),
                ("outcome", .string(row.outcome.rawValue)), ("matched", .bool(row.matched)),
            ])
        }
        let report = DiagnosticReport(
            command: "demo", subject: "built-in lab", outcome: failures.isEmpty ? .ok : .problems, findings: [],
            extra: [("scenarios", .array(table)), ("matched", .int(rows.count - failures.count)), ("total", .int(rows.count))],
            sections: [])
        switch output.effectiveFormat {
        case .json:
            print(report.rendered(as: .json), terminator: "")
        case .text, .markdown:
            print(textTable(rows, markdown: output.effectiveFormat == .markdown), terminator: "")
            print("\n\(failures.isEmpty ? "✓" : "✗") \(summary)")
            for finding in findings { print("  \(finding.title): \(finding.detail)") }
            if verbose {
                for row in rows {
                    print("\n── \(row.scenario.id) " + String(repeating: "─", count: max(0, 60 - row.scenario.id.count)))
                    print(row.report.rendered(as: .text, color: false), terminator: "")
                }
            }
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    func textTable(_ rows: [Row], markdown: Bool) -> String {
        let idWidth = max(8, rows.map(\.scenario.id.count).max() ?? 0) + 2
        let causeWidth = max(8, rows.map { ($0.cause ?? "—").count }.max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var lines: [String] = []
        if markdown {
            lines.append("| scenario | diagnosed cause | expected | ok |")
            lines.append("|---|---|---|---|")
            for row in rows {
                lines.append("| \(row.scenario.id) | \(row.cause ?? "—") | \(row.scenario.expectedCause ?? "nothing wrong") | \(row.matched ? "✓" : "✗") |")
            }
        } else {
            lines.append(pad("scenario", idWidth) + "  " + pad("diagnosed cause", causeWidth) + "  expected")
            for row in rows {
                let expected = row.scenario.expectedCause.map { $0 == row.cause ? "" : $0 } ?? (row.outcome == .ok ? "" : "nothing wrong")
                lines.append(
                    (row.matched ? "✓ " : "✗ ") + pad(row.scenario.id, idWidth - 2) + "  " + pad(row.cause ?? "— (exit 0)", causeWidth) + "  "
                        + expected)
            }
        }
        return lines.joined(separator: "\n") + "\n"
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
