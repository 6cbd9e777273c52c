// why401 with the real engine: Debian's Prometheus scrapes `why401 exporter` (with the scrape config
// the README shows: target relabelled into __param_target) and a `why401 logs --follow --metrics`
// follower, and its HTTP API must then hold the series of the contract. The example alert rules and
// scrape config are checked by Debian's promtool (`check rules`, `test rules`, `check config`).
import Foundation
import Lab
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct PrometheusTests {
    static var examples: URL { CLI.packageRoot.appendingPathComponent("examples/prometheus") }

    @Test func promtoolAcceptsTheExamples() async throws {
        let promtool = try RequiredTool.path("promtool", package: "prometheus")
        let dir = Self.examples.path
        let rules = try ProcessRunner.run(promtool, ["check", "rules", dir + "/why401.rules.yml"], timeout: 60)
        #expect(rules.status == 0 && rules.stdout.contains("SUCCESS: 5 rules found"), "\(rules)")
        let config = try ProcessRunner.run(promtool, ["check", "config", dir + "/prometheus.yml"], timeout: 60)
        #expect(config.status == 0, "\(config)")
        // The alerts fire when they should, and only then (unit tests of the rules).
        let test = try ProcessRunner.run(
            promtool, ["test", "rules", dir + "/why401.rules.test.yml"], currentDirectory: dir, timeout: 60)
        #expect(test.status == 0 && test.stdout.contains("SUCCESS"), "\(test)")
    }

    /// The example scrape config with this test's addresses: the probe job once per module (wrong and
    /// right password), the exporter and the follower, everything every second.
    static func scrapeConfig(exporter: String, follower: String, wrong: String, healthy: String) throws -> String {
        let example = try String(contentsOf: examples.appendingPathComponent("prometheus.yml"), encoding: .utf8)
        let start = try #require(example.range(of: "  - job_name: why401_probe\n"))
        let end = try #require(example.range(of: "  # The exporter's own metrics"))
        let job = String(example[start.lowerBound..<end.lowerBound])
        func probeJob(_ module: String, _ target: String) -> String {
            job.replacingOccurrences(of: "job_name: why401_probe", with: "job_name: why401_probe_\(module)")
                .replacingOccurrences(of: "module: [api_alice]", with: "module: [\(module)]")
                .replacingOccurrences(of: "https://api.example.com/v1/me", with: target)
        }
        let text =
            String(example[..<start.lowerBound]) + probeJob("wrong", wrong) + probeJob("right", healthy)
            + String(example[end.lowerBound...])
        return text.replacingOccurrences(of: "127.0.0.1:9401", with: exporter)
            .replacingOccurrences(of: "127.0.0.1:9402", with: follower)
            .replacingOccurrences(of: "scrape_interval: 60s", with: "scrape_interval: 1s")
            .replacingOccurrences(of: "scrape_timeout: 15s", with: "scrape_timeout: 1s")
            .replacingOccurrences(of: "evaluation_interval: 60s", with: "evaluation_interval: 1s")
    }

    /// Prometheus's instant query `query`: each result's labels and value.
    static func query(_ base: String, _ query: String) async throws -> [([String: String], Double)] {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let answer = try await Scrape.get(base + "/api/v1/query?query=" + encoded)
        guard answer.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { return [] }
        return result.compactMap { item in
            guard let metric = item["metric"] as? [String: String], let value = item["value"] as? [Any],
                value.count == 2, let text = value[1] as? String, let number = Double(text)
            else { return nil }
            return (metric, number)
        }
    }

    @Test func prometheusScrapesTheExporterAndTheFollower() async throws {
        let prometheus = try RequiredTool.path("prometheus", package: "prometheus")
        try await ExporterCLITests.withLabExporter { lab, dir, _, exporter in
            let fixtures = CLI.packageRoot.appendingPathComponent("Tests/Golden/fixtures").path
            let access = try dir.write(
                "access.log", try String(contentsOfFile: fixtures + "/access.log", encoding: .utf8))
            let errors = try dir.write(
                "error.log", try String(contentsOfFile: fixtures + "/error.log", encoding: .utf8))
            let follower = try await ServeProcess.start(
                [access, "--error-log", errors, "--poll-interval", "0.2"], command: ["logs", "--follow"],
                listenFlag: "--metrics")
            defer { follower.stop() }

            let port = try FreePort.find()
            let base = "http://127.0.0.1:\(port)"
            _ = try dir.write(
                "prometheus.yml",
                try Self.scrapeConfig(
                    exporter: "127.0.0.1:\(exporter.port)", follower: "127.0.0.1:\(follower.port)",
                    wrong: lab.baseURL + "/basic/", healthy: lab.baseURL + "/healthy/"))
            _ = try dir.write(
                "why401.rules.yml",
                try String(contentsOf: Self.examples.appendingPathComponent("why401.rules.yml"), encoding: .utf8))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: prometheus)
            process.arguments = [
                "--config.file=" + dir.path("prometheus.yml"), "--storage.tsdb.path=" + dir.path("data"),
                "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
            ]
            let log = try dir.write("prometheus.log", "")
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            process.currentDirectoryURL = dir.url
            try process.run()
            defer {
                process.terminate()
                process.waitUntilExit()
            }

            // Until every series the test needs is in (a few scrapes at 1 s), at most 60 s.
            let deadline = Date().addingTimeInterval(60)
            var success: [([String: String], Double)] = []
            var finding: [([String: String], Double)] = []
            var unauthorized: [([String: String], Double)] = []
            while Date() < deadline {
                success = try await Self.query(base, "why401_probe_success")
                finding = try await Self.query(base, "why401_probe_finding{id=\"credentials.rejected\"}")
                unauthorized = try await Self.query(base, "why401_log_unauthorized_total")
                if success.count == 2 && !finding.isEmpty && !unauthorized.isEmpty { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            let prometheusLog = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let byModule = Dictionary(success.map { ($0.0["module"] ?? "?", $0.1) }, uniquingKeysWith: { a, _ in a })
            #expect(byModule == ["wrong": 0, "right": 1], "\(success) \(prometheusLog.suffix(1500))")
            #expect(success.allSatisfy { $0.0["instance"]?.hasPrefix(lab.baseURL) == true }, "\(success)")
            #expect(finding.count == 1 && finding.first?.0["module"] == "wrong" && finding.first?.1 == 1, "\(finding)")
            #expect(finding.first?.0["severity"] == "error")
            // The follower: the fixture's counters, as the one-shot `why401 logs` reports them.
            let oneShot = try CLI.run(["logs", access, "--error-log", errors, "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(oneShot.stdout.utf8)) as? [String: Any]
            let summary = try #require(json?["summary"] as? [String: Any])
            #expect(unauthorized.first?.1 == (summary["unauthorized"] as? Double), "\(unauthorized)")
            let lines = try await Self.query(base, "why401_log_lines_total")
            #expect(lines.first?.1 == (summary["lines"] as? Double))
            let mismatches = try await Self.query(base, "why401_log_error_events_total{cause=\"password-mismatch\"}")
            #expect(mismatches.first?.1 == 2)
            // The rules are loaded and evaluated; the exporter's own job is up.
            let up = try await Self.query(base, "up{job=\"why401_exporter\"}")
            #expect(up.first?.1 == 1)
            let rules = try await Scrape.get(base + "/api/v1/rules")
            #expect(rules.body.contains("Why401ProbeFailing") && rules.body.contains("Why401BruteForce"))
            #expect(!prometheusLog.contains("level=error"), "\(prometheusLog.suffix(1500))")
            ExporterCLITests.finish(
                exporter, secrets: [ExporterCLITests.wrongPassword, ExporterCLITests.rightPassword])
        }
    }
}
