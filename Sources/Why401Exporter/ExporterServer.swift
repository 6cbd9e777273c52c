import Checkup
import Dispatch
import Hummingbird
import Prometheus
import Report
import Synchronization
import Why401Kit

#if canImport(Glibc)
    import Glibc
#endif

/// `why401 exporter`: the Prometheus multi-target pattern (as blackbox_exporter). Prometheus
/// scrapes `GET /probe?target=URL&module=NAME`; the module (from `--config`) says how to probe.
public struct ExporterSettings: Sendable {
    public var listen: MetricsListen
    public var configPath: String
    /// Probes running at once; more wait for a slot (within their scrape timeout).
    public var maxConcurrent: Int
    /// Probes waiting for a slot; more are answered 503 at once (memory stays bounded).
    public var maxWaiting: Int
    /// A probe's time when Prometheus sends no `X-Prometheus-Scrape-Timeout-Seconds`.
    public var defaultTimeout: Double
    /// Seconds left for the reply after the probe (blackbox_exporter's `timeout_offset`).
    public var timeoutOffset: Double

    public init(
        listen: MetricsListen, configPath: String, maxConcurrent: Int = 32, maxWaiting: Int = 1024,
        defaultTimeout: Double = 10, timeoutOffset: Double = 0.5
    ) throws {
        self.listen = listen
        self.configPath = configPath
        self.maxConcurrent = maxConcurrent
        self.maxWaiting = maxWaiting
        self.defaultTimeout = defaultTimeout
        self.timeoutOffset = timeoutOffset
        if !(1...4096).contains(maxConcurrent) { throw AuditFailure.usage("--max-concurrent must be from 1 to 4096") }
        if !(0...100_000).contains(maxWaiting) { throw AuditFailure.usage("--max-waiting must be from 0 to 100000") }
        if !(defaultTimeout > 0 && defaultTimeout <= 3600) {
            throw AuditFailure.usage("--default-timeout must be between 0 and 3600 seconds")
        }
    }
}

public enum ExporterServer {
    /// Loads the config (throws `ConfigError` — exit 2 — when it is wrong), binds, and serves until
    /// SIGINT/SIGTERM. SIGHUP reloads the config; a wrong one is reported and the old one kept.
    public static func run(
        _ settings: ExporterSettings, environment: [String: String], version: String,
        announce: @escaping @Sendable (String) -> Void, log: @escaping @Sendable (String) -> Void
    ) async throws {
        let config = try ExporterConfig.load(path: settings.configPath, environment: environment)
        let state = ExporterState(settings: settings, config: config)
        let reload = SignalWatcher(signal: SIGHUP) {
            log(state.reload(environment: environment))
        }
        defer { reload.cancel() }
        let routes = [
            MetricsRoute(path: "/probe") { request in await state.probe(request) },
            MetricsRoute(path: "/metrics") { _ in
                MetricsServer.text(state.ownMetrics(), type: ProbeMetrics.contentType)
            },
            MetricsRoute(path: "/healthz") { _ in MetricsServer.text("ok\n") },
            MetricsRoute(path: "/") { _ in MetricsServer.text(state.index(version: version)) },
        ]
        try await MetricsServer.run(
            settings.listen, name: "why401-exporter", routes: routes,
            announce: { port in
                let authority = settings.listen.address.authority(port: port)
                announce("why401 exporter: listening on http://\(authority)/ (probe: /probe?target=URL&module=NAME)")
                announce(
                    "\(config.modules.count) module\(config.modules.count == 1 ? "" : "s") from \(config.path); "
                        + "at most \(settings.maxConcurrent) probes at once; SIGHUP reloads the config")
            }, log: log)
    }
}

/// The exporter's mutable state: the config (swapped on reload), the probe slots, its own metrics.
final class ExporterState: Sendable {
    let settings: ExporterSettings
    private let config: Mutex<ExporterConfig>
    let slots: ProbeSlots
    let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private let waiting: Gauge
    private let modulesGauge: Gauge
    private let lastReload: Gauge
    private let durations: ValueHistogram

    init(settings: ExporterSettings, config: ExporterConfig) {
        self.settings = settings
        self.config = Mutex(config)
        slots = ProbeSlots(limit: settings.maxConcurrent, maxWaiting: settings.maxWaiting)
        inFlight = registry.gauge("why401_exporter_probes_in_flight", "Probes running now")
        waiting = registry.gauge("why401_exporter_probes_waiting", "Probes waiting for a slot")
        modulesGauge = registry.gauge("why401_exporter_modules", "Modules in the loaded config")
        lastReload = registry.gauge(
            "why401_exporter_config_last_reload_successful", "1 when the last config (re)load worked")
        durations = registry.histogram(
            "why401_exporter_probe_duration_seconds", "Seconds per probe, waiting for a slot included",
            buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
        modulesGauge.set(Int64(config.modules.count))
        lastReload.set(Int64(1))
        for result in ProbeOutcome.allCases { count(result, by: 0) }
        for result in ["success", "failure"] { reloads(result, by: 0) }
    }

    private func count(_ result: ProbeOutcome, by amount: Int64 = 1) {
        registry.counter(
            "why401_exporter_probes_total",
            "Probes answered, by result (success, failure, refused, timeout, overloaded)",
            labels: [("result", result.rawValue)]
        ).increment(by: amount)
    }

    private func reloads(_ result: String, by amount: Int64 = 1) {
        registry.counter(
            "why401_exporter_config_reloads_total", "Config reloads (SIGHUP), by result", labels: [("result", result)]
        ).increment(by: amount)
    }

    /// Reloads the config; a wrong one leaves the old in place. The line to log.
    func reload(environment: [String: String]) -> String {
        do {
            let fresh = try ExporterConfig.load(path: settings.configPath, environment: environment)
            config.withLock { $0 = fresh }
            modulesGauge.set(Int64(fresh.modules.count))
            lastReload.set(Int64(1))
            reloads("success")
            return "config reloaded: \(fresh.modules.count) module\(fresh.modules.count == 1 ? "" : "s")"
        } catch {
            lastReload.set(Int64(0))
            reloads("failure")
            return "config reload failed, the previous config stays: \(error)"
        }
    }

    func ownMetrics() -> String {
        inFlight.set(Int64(slots.running))
        waiting.set(Int64(slots.waiting))
        return registry.emitToString()
    }

    func index(version: String) -> String {
        let names = config.withLock { $0.modules.keys.sorted() }
        return """
            why401 exporter \(version)
            GET /probe?target=URL&module=NAME  one diagnosis as metrics (modules: \(names.joined(separator: ", ")))
            GET /metrics                       the exporter's own metrics
            GET /healthz                       ok

            """
    }

    /// Seconds this probe may take: the scrape timeout Prometheus announces, less the offset.
    func budget(_ request: Request) -> Double {
        if let header = request.headers[.init("X-Prometheus-Scrape-Timeout-Seconds")!],
            let seconds = Double(header), seconds.isFinite, seconds > 0
        {
            return max(0.05, min(3600, seconds) - settings.timeoutOffset)
        }
        return settings.defaultTimeout
    }

    func probe(_ request: Request) async -> Response {
        let started = ContinuousClock.now
        let budget = budget(request)
        let query = request.uri.queryParameters
        let moduleName = query["module"].map(String.init) ?? "default"
        guard let target = query["target"].map(String.init), !target.isEmpty else {
            count(.refused)
            return MetricsServer.text(
                "target parameter is missing (/probe?target=URL&module=NAME)\n", status: .badRequest)
        }
        guard let module = config.withLock({ $0.modules[moduleName] }) else {
            count(.refused)
            let names = config.withLock { $0.modules.keys.sorted() }.joined(separator: ", ")
            return MetricsServer.text("unknown module \"\(moduleName)\" (known: \(names))\n", status: .badRequest)
        }
        let checkRequest: CheckRequest
        do {
            checkRequest = try module.request(for: target, budget: budget)
        } catch let refusal as ProbeRefusal {
            count(.refused)
            return MetricsServer.text(refusal.message + "\n", status: .init(code: refusal.status.rawValue))
        } catch {
            count(.refused)
            return MetricsServer.text("\(error)\n", status: .badRequest)
        }
        guard await slots.acquire(within: budget) else {
            count(.overloaded)
            return MetricsServer.text(
                "too many probes: no slot free within the scrape timeout "
                    + "(--max-concurrent \(settings.maxConcurrent))\n",
                status: .serviceUnavailable)
        }
        defer { slots.release() }
        let remaining = budget - (ContinuousClock.now - started).fractionalSeconds
        let result: CheckResult
        do {
            result = try await UseCase.within(seconds: remaining + 0.25) {
                var plan = checkRequest
                plan.maxTime = max(0.001, min(plan.maxTime, remaining))
                return try await UseCase.check(plan)
            }
        } catch {
            let seconds = (ContinuousClock.now - started).fractionalSeconds
            durations.record(seconds)
            count(.timeout)
            return MetricsServer.text(ProbeMetrics.timedOut(seconds: seconds), type: ProbeMetrics.contentType)
        }
        let seconds = (ContinuousClock.now - started).fractionalSeconds
        durations.record(seconds)
        count(ProbeMetrics.success(result) ? .success : .failure)
        return MetricsServer.text(ProbeMetrics.render(result, seconds: seconds), type: ProbeMetrics.contentType)
    }
}

enum ProbeOutcome: String, CaseIterable {
    case success, failure, refused, timeout, overloaded
}

extension ProbeMetrics {
    /// A probe cut off by the scrape timeout: not a success, and how long it ran.
    static func timedOut(seconds: Double) -> String {
        let registry = PrometheusCollectorRegistry()
        registry.gauge("why401_probe_success", successHelp).set(Int64(0))
        registry.gauge("why401_probe_duration_seconds", durationHelp).set(seconds)
        registry.gauge("why401_probe_timed_out", "1 when the probe ran out of its scrape timeout").set(Int64(1))
        return registry.emitToString()
    }
}

/// At most `limit` probes at once; up to `maxWaiting` more wait in arrival order, each no longer
/// than its own deadline.
final class ProbeSlots: Sendable {
    private struct State {
        var running = 0
        var nextID = 0
        var queue: [(id: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    }
    private let state = Mutex(State())
    let limit: Int
    let maxWaiting: Int

    init(limit: Int, maxWaiting: Int) {
        self.limit = limit
        self.maxWaiting = maxWaiting
    }

    var running: Int { state.withLock { $0.running } }
    var waiting: Int { state.withLock { $0.queue.count } }

    /// True with a slot held (call `release()`), false when none came free within `seconds` or the
    /// waiting line is full.
    func acquire(within seconds: Double) async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let decision: Bool? = state.withLock { state in
                if state.running < limit {
                    state.running += 1
                    return true
                }
                if state.queue.count >= maxWaiting { return false }
                state.nextID += 1
                let id = state.nextID
                state.queue.append((id, continuation))
                DispatchQueue.global().asyncAfter(deadline: .now() + max(0, seconds)) { [self] in
                    let expired = self.state.withLock { state -> CheckedContinuation<Bool, Never>? in
                        guard let index = state.queue.firstIndex(where: { $0.id == id }) else { return nil }
                        return state.queue.remove(at: index).continuation
                    }
                    expired?.resume(returning: false)
                }
                return nil
            }
            if let decision { continuation.resume(returning: decision) }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if state.queue.isEmpty {
                state.running -= 1
                return nil
            }
            // The slot passes straight to the first waiter.
            return state.queue.removeFirst().continuation
        }
        next?.resume(returning: true)
    }
}

/// Runs `action` on a Dispatch queue each time the process receives `signal`.
/// `@unchecked`: a Dispatch source may be used from any thread.
final class SignalWatcher: @unchecked Sendable {
    private let source: any DispatchSourceSignal

    init(signal number: Int32, action: @escaping @Sendable () -> Void) {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
        self.source = source
    }

    func cancel() { source.cancel() }
}
