import Dispatch
import Evidence
import LogScan
import Prometheus
import Why401Kit

/// `why401 logs --follow FILE... --metrics ADDR`: follows growing logs and serves their counters.
public enum FollowServer {
    /// Starts following (a bad `--log-format` or an input that cannot be followed throws
    /// `LogScanError` — exit 2), polls every `interval` seconds on a thread of its own, and serves
    /// `/metrics` until SIGINT/SIGTERM.
    public static func run(
        _ options: LogFollowOptions, listen: MetricsListen, interval: Double,
        announce: @escaping @Sendable (String) -> Void, log: @escaping @Sendable (String) -> Void
    ) async throws {
        let follower = try LogFollower(options)
        follower.poll(now: WallClock.seconds())
        let poller = Poller(follower: follower, interval: interval)
        poller.start()
        defer { poller.stop() }
        let count = options.accessPaths.count + options.errorPaths.count
        let routes = [
            MetricsRoute(path: "/metrics") { _ in
                MetricsServer.text(FollowMetrics.render(follower.snapshot()), type: ProbeMetrics.contentType)
            },
            MetricsRoute(path: "/healthz") { _ in MetricsServer.text("ok\n") },
            MetricsRoute(path: "/") { _ in
                MetricsServer.text("why401 logs --follow: GET /metrics for the counters of \(count) log(s)\n")
            },
        ]
        try await MetricsServer.run(
            listen, name: "why401-follow", routes: routes,
            announce: { port in
                announce(
                    "why401 logs --follow: \(count) log\(count == 1 ? "" : "s"); counters on "
                        + "http://\(listen.address.authority(port: port))/metrics")
            }, log: log)
    }
}

/// Calls `poll` every `interval` seconds on a Dispatch timer until stopped.
/// `@unchecked`: a Dispatch source may be used from any thread.
final class Poller: @unchecked Sendable {
    let follower: LogFollower
    let timer: any DispatchSourceTimer

    init(follower: LogFollower, interval: Double) {
        self.follower = follower
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "why401.follow"))
        timer.schedule(deadline: .now() + interval, repeating: interval)
    }

    func start() {
        timer.setEventHandler { [follower] in follower.poll(now: WallClock.seconds()) }
        timer.resume()
    }

    func stop() { timer.cancel() }
}

/// The contract's counters of `logs --follow --metrics` (docs/exporter.md), rendered by swift-prometheus.
public enum FollowMetrics {
    public static func render(_ counts: LogFollowCounts) -> String {
        let registry = PrometheusCollectorRegistry()
        func counter(_ name: String, _ help: String, _ value: Int, labels: [(String, String)] = []) {
            registry.counter(name, help, labels: labels).increment(by: Int64(value))
        }
        counter("why401_log_lines_total", "Access-log lines read (blank lines not counted)", counts.lines)
        counter("why401_log_malformed_lines_total", "Access-log lines no known format matched", counts.malformed)
        let requestsHelp = "Requests in the access logs, by status"
        if counts.requestsByStatus.isEmpty {
            // The family exists from the start, so a query for it is never empty.
            counter("why401_log_requests_total", requestsHelp, 0, labels: [("status", "401")])
        }
        for (status, value) in counts.requestsByStatus.sorted(by: { $0.key < $1.key }) {
            counter("why401_log_requests_total", requestsHelp, value, labels: [("status", String(status))])
        }
        counter("why401_log_unauthorized_total", "401 answers", counts.unauthorized)
        counter(
            "why401_log_handshakes_total", "401 answers followed by a 2xx from the same client and path",
            counts.handshakes)
        counter(
            "why401_log_failures_total",
            "401 answers settled as failures (not a handshake); see why401_log_unauthorized_pending", counts.failures)
        registry.gauge(
            "why401_log_unauthorized_pending",
            "401 answers still within the handshake window (not yet a failure or a handshake)"
        ).set(Int64(counts.pendingUnauthorized))
        counter("why401_log_error_lines_total", "Error-log lines read", counts.errorLines)
        for cause in ErrorEvent.Cause.allCases {
            counter(
                "why401_log_error_events_total", "Authentication events in the error logs, by cause",
                counts.errorEventsByCause[cause] ?? 0, labels: [("cause", cause.rawValue)])
        }
        registry.gauge(
            "why401_log_brute_force_clients",
            "Clients with at least --brute-force-peak failed 401s (not handshakes) within the last "
                + "--burst-window seconds"
        ).set(Int64(counts.bruteForceClients))
        for input in counts.inputs {
            let labels = [("path", input.path)]
            registry.gauge("why401_log_input_offset_bytes", "Bytes read so far", labels: labels).set(input.offset)
            registry.counter(
                "why401_log_input_rotations_total", "Rotations seen (rename or truncate)", labels: labels
            ).increment(by: Int64(input.rotations + input.truncations))
            registry.gauge(
                "why401_log_input_up", "1 while the file is followed; 0 while it is missing or unreadable",
                labels: labels
            ).set(Int64(input.waiting || input.problem != nil ? 0 : 1))
        }
        return registry.emitToString()
    }
}
