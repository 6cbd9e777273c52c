import Evidence

/// Compact builders for rule examples and tests, so an example reads as the situation it describes:
///
/// ```swift
/// let evidence = CheckSample.make(
///     sent: .basic(user: "alice"),
///     CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Basic realm=x"]))
/// ```
public enum CheckSample {
    /// One plan step for an example: a request to `url` and, unless `status` is nil (then the request failed with
    /// "connection refused"), a response with these headers and body.
    public static func step(
        _ kind: CheckEvidence.StepKind, _ status: Int?, _ headers: KeyValuePairs<String, String> = [:],
        credentialed: Bool = true,
        label: String? = nil, url: String = "https://api.example.test/me", method: String = "GET",
        requestHeaders: [HeaderField] = [],
        body: String = ""
    ) -> CheckEvidence.Step {
        let response = status.map {
            RecordedResponse(
                status: $0, headers: headers.map { HeaderField($0.key, $0.value) }, bodyPrefix: Array(body.utf8))
        }
        return CheckEvidence.Step(
            kind: kind,
            exchange: Exchange(
                request: RecordedRequest(method: method, url: url, headers: requestHeaders), response: response,
                failure: status == nil ? "connection refused" : nil),
            credentialed: credentialed, label: label)
    }

    /// Check evidence from steps, with the scheme sent and a fixed clock (`localTime` 1 800 000 000); `configure` sets
    /// anything else (cookies, addresses, the token).
    public static func make(
        sent: CheckEvidence.SentScheme = .basic(user: "alice"), url: String = "https://api.example.test/me",
        _ steps: CheckEvidence.Step..., configure: (inout CheckEvidence) -> Void = { _ in }
    ) -> CheckEvidence {
        var evidence = CheckEvidence(url: url, sent: sent, steps: steps, localTime: 1_800_000_000)
        configure(&evidence)
        return evidence
    }

    static let basic401: KeyValuePairs<String, String> = ["WWW-Authenticate": "Basic realm=\"api\""]
}
