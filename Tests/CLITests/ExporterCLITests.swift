// `why401 exporter` end to end: the built binary on a free loopback port, the built-in lab as the
// target, Debian's curl as the scraper. Probes must give the CLI's diagnosis as metrics, stay within
// the scrape timeout, be refused when credentials would go elsewhere, and never show a secret.
import Foundation
import Lab
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// An answer from a metrics endpoint.
struct Scrape {
    var status: Int
    var body: String
    /// The exchange's time as curl measured it (its own process: not slowed by a busy test runner).
    var seconds: Double

    /// `name{labels}` → value, for every sample line.
    var samples: [String: Double] {
        var out: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            out[String(line[..<space])] = value
        }
        return out
    }

    /// GET with Debian's curl; `headers` as `Name: value`.
    static func get(_ url: String, headers: [String] = [], timeout: Double = 30) async throws -> Scrape {
        let curl = try RequiredTool.path("curl", package: "curl")
        var arguments = ["-s", "-g", "--max-time", String(timeout), "-w", "\n%{http_code} %{time_total}"]
        for header in headers { arguments += ["-H", header] }
        let result = try await ProcessRunner.runAsync(curl, arguments + [url], timeout: timeout + 10)
        var body = result.stdout
        let statusLine = body.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
        body.removeLast(min(body.count, statusLine.count + 1))
        let fields = statusLine.split(separator: " ")
        return Scrape(
            status: fields.first.flatMap { Int($0) } ?? 0, body: body,
            seconds: fields.count > 1 ? Double(fields[1]) ?? .infinity : .infinity)
    }
}

struct ExporterCLITests {
    static let wrongPassword = "battery staple"
    static let rightPassword = "correct horse"

    /// A config for the lab: `right` and `wrong` send alice's passwords from files, `open` nothing.
    static func config(_ dir: TempDirectory, lab: LabServer, extra: String = "") throws -> String {
        _ = try dir.write("wrong.pw", wrongPassword + "\n")
        _ = try dir.write("right.pw", rightPassword + "\n")
        return try dir.write(
            "why401.yml",
            """
            modules:
              right:
                user: alice
                password_file: right.pw
                targets: [\(lab.baseURL)]
              wrong:
                user: alice
                password_file: wrong.pw
                targets: [\(lab.baseURL)]
              open:
                timeout: 5s
            \(extra)
            """)
    }

    static func probe(_ exporter: ServeProcess, _ target: String, module: String, timeout: Double = 10) async throws
        -> Scrape
    {
        let query = "target=\(target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? target)"
        return try await Scrape.get(
            exporter.base + "/probe?\(query)&module=\(module)",
            headers: ["X-Prometheus-Scrape-Timeout-Seconds: \(timeout)"], timeout: timeout + 5)
    }

    /// Stops the exporter: exit 0 on SIGTERM, no secret in its output, and only its start lines and
    /// request lines (method, path, status, ms — never a query, which names targets).
    static func finish(_ exporter: ServeProcess, secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        let status = exporter.stop()
        #expect(status == 0, "exit status \(status) after SIGTERM", sourceLocation: sourceLocation)
        let text = exporter.output
        for secret in secrets {
            #expect(!text.contains(secret), "a secret is in the exporter's output", sourceLocation: sourceLocation)
        }
        let request = /^GET \/\S* → \d{3} \(\d+ ms\)$/
        for line in text.split(separator: "\n") {
            let known =
                line.hasPrefix("why401 exporter: listening") || line.contains(" module")
                || line.hasPrefix("config reload") || line.wholeMatch(of: request) != nil
            #expect(known, "unexpected output line: \(line)", sourceLocation: sourceLocation)
            if line.hasPrefix("GET ") {
                #expect(!line.contains("?"), "a query in the log: \(line)", sourceLocation: sourceLocation)
            }
        }
        exporter.home.remove()
        exporter.logs.remove()
    }

    /// The lab, a temp dir with `config(_:lab:)`, and `why401 exporter` on it; everything stopped and
    /// removed afterwards.
    static func withLabExporter(
        _ body: (LabServer, TempDirectory, String, ServeProcess) async throws -> Void
    ) async throws {
        let lab = try await LabServer.start()
        let dir = try TempDirectory(prefix: "why401-exporter")
        defer {
            dir.remove()
            Task { try? await lab.stop() }
        }
        let config = try Self.config(dir, lab: lab)
        let exporter = try await ServeProcess.start(["--config", config], command: ["exporter"])
        defer { exporter.stop() }
        try await body(lab, dir, config, exporter)
    }

    @Test func probesGiveTheDiagnosisAsMetrics() async throws {
        try await Self.withLabExporter { lab, _, _, exporter in

            let wrong = try await Self.probe(exporter, lab.baseURL + "/basic/", module: "wrong")
            #expect(wrong.status == 200)
            let w = wrong.samples
            #expect(w["why401_probe_success"] == 0 && w["why401_probe_http_status"] == 401)
            #expect(w["why401_probe_finding{id=\"credentials.rejected\",severity=\"error\"}"] == 1)
            // The same cause as the CLI's for the same request.
            let cli = try CLI.run([lab.baseURL + "/basic/", "-u", "alice:\(Self.wrongPassword)", "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any]
            let cause = try #require(json?["cause"] as? String)
            #expect(w["why401_probe_cause{id=\"\(cause)\"}"] == 1)

            let healthy = try await Self.probe(exporter, lab.baseURL + "/healthy/", module: "right")
            #expect(healthy.samples["why401_probe_success"] == 1 && healthy.samples["why401_probe_http_status"] == 200)

            // Refusals: credentials to another origin, unknown module, no target, a rebound Host.
            let elsewhere = try await Self.probe(exporter, "http://127.0.0.2:1/", module: "right")
            #expect(elsewhere.status == 403 && elsewhere.body.contains("may not send its credentials"))
            #expect(try await Self.probe(exporter, lab.baseURL + "/", module: "nope").status == 400)
            #expect(try await Scrape.get(exporter.base + "/probe?module=open").status == 400)
            let rebound = try await Scrape.get(exporter.base + "/metrics", headers: ["Host: attacker.example:80"])
            #expect(rebound.status == 421)

            let own = try await Scrape.get(exporter.base + "/metrics").samples
            #expect(own["why401_exporter_probes_total{result=\"success\"}"] == 1)
            #expect(own["why401_exporter_probes_total{result=\"failure\"}"] == 1)
            #expect(own["why401_exporter_probes_total{result=\"refused\"}"] == 3)
            #expect(own["why401_exporter_probe_duration_seconds_count"] == 2)
            #expect(own["why401_exporter_modules"] == 3 && own["why401_exporter_probes_in_flight"] == 0)
            for answer in [wrong, healthy, elsewhere] {
                #expect(!answer.body.contains(Self.wrongPassword) && !answer.body.contains(Self.rightPassword))
            }
            Self.finish(exporter, secrets: [Self.wrongPassword, Self.rightPassword])
        }
    }

    /// Resident memory of a process (kB), from /proc.
    static func residentKB(_ pid: Int32) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// `count` probes through one curl process (a keep-alive connection, one after another).
    static func probeMany(_ exporter: ServeProcess, _ target: String, module: String, count: Int) throws -> Int {
        let curl = try RequiredTool.path("curl", package: "curl")
        let query = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? target
        let url = exporter.base + "/probe?target=\(query)&module=\(module)"
        let config = (0..<count).map { "url = \"\(url)&n=\($0)\"\noutput = /dev/null\n" }.joined()
        let result = try ProcessRunner.run(
            curl, ["-s", "-K", "-", "-w", "%{http_code}\n"], stdin: config, timeout: 600)
        return result.stdout.split(separator: "\n").filter { $0 == "200" }.count
    }

    /// Memory stays bounded under load: what one probe allocates is freed once it answered (an
    /// exchange that kept itself alive through its own callbacks once cost about 6 kB per request,
    /// 27 kB per probe, for good).
    @Test func memoryDoesNotGrowWithProbes() async throws {
        try await Self.withLabExporter { lab, _, _, exporter in
            let pid = exporter.process.processIdentifier
            let warmUp = try Self.probeMany(exporter, lab.baseURL + "/basic/", module: "wrong", count: 300)
            let before = Self.residentKB(pid)
            let answered = try Self.probeMany(exporter, lab.baseURL + "/basic/", module: "wrong", count: 1500)
            let after = Self.residentKB(pid)
            #expect(warmUp == 300 && answered == 1500)
            // The leak grew it by about 40 MB here; allocator noise is a few MB.
            #expect(after - before < 12_000, "RSS \(before) kB → \(after) kB after 1500 probes")
            Self.finish(exporter, secrets: [Self.wrongPassword, Self.rightPassword])
        }
    }

    @Test func aWrongConfigIsOneLineAndExitTwo() async throws {
        let dir = try TempDirectory(prefix: "why401-exporter")
        defer { dir.remove() }
        let bad = try dir.write("bad.yml", "modules:\n  a:\n    user: alice\n    password: hunter2-xyz\n")
        let result = try CLI.run(["exporter", "--config", bad, "--listen", "127.0.0.1:0"])
        #expect(result.status == 2)
        #expect(
            result.stderr == "why401: \(bad):4: module a: a secret is never written in the config; "
                + "use password_file: PATH or password_env: NAME\n")
        #expect(!result.stderr.contains("hunter2-xyz") && result.stdout.isEmpty)
        let missing = try CLI.run(["exporter", "--config", dir.path("none.yml")])
        #expect(missing.status == 2 && missing.stderr.hasPrefix("why401: \(dir.path("none.yml")): cannot read"))
        let open = try dir.write("ok.yml", "modules:\n  open:\n")
        let wide = try CLI.run(
            ["exporter", "--config", open, "--listen", "0.0.0.0:0"],
            environment: [
                "WHY401_EXPORTER_TOKEN": ""
            ])
        #expect(wide.status == 2 && wide.stderr.contains("give --token"))
        let short = try CLI.run(["exporter", "--config", open, "--token", "short"])
        #expect(short.status == 2 && short.stderr.contains("at least 16 characters"))
    }

    @Test func sighupReloadsAndAWrongConfigKeepsTheOld() async throws {
        try await Self.withLabExporter { lab, dir, config, exporter in
            #expect(try await Self.probe(exporter, lab.baseURL + "/healthy/", module: "later").status == 400)

            _ = try Self.config(dir, lab: lab, extra: "  later:\n    timeout: 3s\n")
            kill(exporter.process.processIdentifier, SIGHUP)
            let reloaded = Loopback.poll(timeout: 10) { exporter.output.contains("config reloaded: 4 modules") }
            #expect(reloaded, "\(exporter.output)")
            let later = try await Self.probe(exporter, lab.baseURL + "/healthy/", module: "later")
            #expect(later.status == 200 && later.samples["why401_probe_http_status"] == 401)

            _ = try dir.write("why401.yml", "modules:\n  later:\n    bearer: inline-secret-123\n")
            kill(exporter.process.processIdentifier, SIGHUP)
            let refused = Loopback.poll(timeout: 10) { exporter.output.contains("config reload failed") }
            #expect(refused, "\(exporter.output)")
            #expect(exporter.output.contains("the previous config stays: \(config):3: module later:"))
            // The old modules still work; the failure is a metric an alert can watch.
            let still = try await Self.probe(exporter, lab.baseURL + "/healthy/", module: "right")
            #expect(still.samples["why401_probe_success"] == 1)
            let own = try await Scrape.get(exporter.base + "/metrics").samples
            #expect(own["why401_exporter_config_last_reload_successful"] == 0)
            #expect(own["why401_exporter_config_reloads_total{result=\"failure\"}"] == 1)
            #expect(own["why401_exporter_config_reloads_total{result=\"success\"}"] == 1)
            Self.finish(exporter, secrets: [Self.wrongPassword, Self.rightPassword, "inline-secret-123"])
        }
    }

    @Test func theScrapeTimeoutBoundsEveryProbe() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let config = try Self.openConfig()
        defer { config.directory.remove() }
        let exporter = try await ServeProcess.start(
            ["--config", config.path, "--max-concurrent", "1", "--max-waiting", "0"], command: ["exporter"])
        // A target that never answers: the answer comes within the scrape timeout, as a failure.
        async let first = Self.probe(exporter, silent.url + "/", module: "open", timeout: 2)
        try await Task.sleep(for: .milliseconds(300))
        // The one slot is taken and nobody may wait: turned away at once.
        let second = try await Self.probe(exporter, silent.url + "/", module: "open", timeout: 2)
        #expect(second.status == 503 && second.seconds < 1.5, "took \(second.seconds) s")
        let answer = try await first
        // The scrape timeout (2 s) less the 0.5 s offset, and a margin for a busy machine.
        #expect(answer.status == 200 && answer.seconds < 3.5, "took \(answer.seconds) s")
        #expect(answer.samples["why401_probe_success"] == 0)
        let own = try await Scrape.get(exporter.base + "/metrics").samples
        #expect(own["why401_exporter_probes_total{result=\"overloaded\"}"] == 1)
        Self.finish(exporter, secrets: [])
    }

    @Test func aTokenGuardsEveryRouteButHealthz() async throws {
        let token = "0123456789abcdef-token"
        let config = try Self.openConfig()
        defer { config.directory.remove() }
        let exporter = try await ServeProcess.start(["--config", config.path, "--token", token], command: ["exporter"])
        #expect(try await Scrape.get(exporter.base + "/metrics").status == 401)
        #expect(
            try await Scrape.get(exporter.base + "/metrics", headers: ["Authorization: Bearer wrong"]).status == 401)
        let ok = try await Scrape.get(exporter.base + "/metrics", headers: ["Authorization: Bearer \(token)"])
        #expect(ok.status == 200 && ok.body.contains("why401_exporter_modules 1"))
        #expect(try await Scrape.get(exporter.base + "/healthz").status == 200)
        Self.finish(exporter, secrets: [token])
    }

    /// A config with one module without credentials, in a temp dir of its own (kept with the value).
    static func openConfig() throws -> (path: String, directory: TempDirectory) {
        let dir = try TempDirectory(prefix: "why401-exporter-open")
        return (try dir.write("open.yml", "modules:\n  open:\n    repeat: 1\n"), dir)
    }
}
