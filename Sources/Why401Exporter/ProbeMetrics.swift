import Diagnosis
import Evidence
import Prometheus
import Report
import Why401Kit

/// The answer to one `/probe`: the contract's metrics (../docs/exporter.md) for one check result, in
/// the Prometheus text exposition format written by swift-prometheus (label values escaped there).
///
/// No label carries a secret: the labels are finding ids and severities from the catalog.
public enum ProbeMetrics {
    /// What Prometheus is told the body is.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static let successHelp = "1 when the target answered without 401/407 and no finding is at error severity"
    static let durationHelp = "Seconds the whole diagnosis took"

    /// Whether the probe counts as a success: `why401 URL` would exit 0 (an answer that is not
    /// 401/407 and no finding at error severity).
    public static func success(_ result: CheckResult) -> Bool {
        ExitPolicy().outcome(of: CheckReport.report(result)) == .ok
    }

    /// The exposition text for `result`, which took `seconds`.
    public static func render(_ result: CheckResult, seconds: Double) -> String {
        let registry = PrometheusCollectorRegistry()
        let evidence = result.evidence
        registry.gauge("why401_probe_success", successHelp).set(Int64(success(result) ? 1 : 0))
        registry.gauge("why401_probe_http_status", "Status of the final answer to the request as given (0: none)")
            .set(Int64(evidence.finalStatus ?? 0))
        registry.gauge("why401_probe_duration_seconds", durationHelp).set(seconds)
        registry.gauge("why401_probe_credentialed_requests", "Requests of the plan that carried the credentials")
            .set(Int64(evidence.credentialedRequests))
        registry.gauge("why401_probe_requests", "Requests the plan sent in all").set(Int64(evidence.steps.count))
        if case .success(let token)? = evidence.token, let expiry = token.expiresAt {
            registry.gauge(
                "why401_probe_token_expiry_timestamp_seconds",
                "The exp claim of the JWT sent as Bearer token (Unix seconds)"
            ).set(expiry)
        }
        for finding in result.findings {
            registry.gauge(
                "why401_probe_finding", "1 for each finding of the diagnosis (ids: why401 explain)",
                labels: [("id", finding.id.rawValue), ("severity", finding.severity.rawValue)]
            ).set(Int64(1))
        }
        if let cause = result.findings.first, cause.severity == .error {
            registry.gauge(
                "why401_probe_cause", "The most likely cause of the failure, when there is one",
                labels: [("id", cause.id.rawValue)]
            ).set(Int64(1))
        }
        return registry.emitToString()
    }
}
