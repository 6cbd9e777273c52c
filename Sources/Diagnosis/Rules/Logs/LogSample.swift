import Evidence

/// Builders for the log rules' own examples (and the tests): small summaries with known figures.
enum LogSample {
    /// 2026-11-29T08:00:00Z.
    static let t0: Int64 = 1_795_939_200

    static func evidence(_ summary: LogSummary) -> LogEvidence { LogEvidence(summary) }

    /// A summary with a minute timeline of (requests, failures) from `t0`, and the totals that follow from it.
    static func summary(
        timeline: [(Int, Int)] = [], clients: [ClientRecord] = [], users: [UserRecord] = [],
        errorEvents: [ErrorEvent] = []
    ) -> LogSummary {
        let buckets = timeline.enumerated().map {
            TimeBucket(start: t0 + Int64($0.offset * 60), requests: $0.element.0, failures: $0.element.1)
        }
        let requests = buckets.reduce(0) { $0 + $1.requests }
        let failures = buckets.reduce(0) { $0 + $1.failures }
        return LogSummary(
            inputs: [LogInput(path: "access.log", kind: .access, format: "combined", lines: requests)], lines: requests,
            requests: requests,
            unauthorized: failures, successes: requests - failures, first: buckets.isEmpty ? nil : t0,
            last: buckets.isEmpty ? nil : t0 + Int64(buckets.count * 60 - 1), timeline: buckets, bucketSeconds: 60,
            clients: clients, users: users,
            errorEvents: errorEvents)
    }

    static func client(_ address: String, failures: Int, peak: Int, successes: Int = 0, users: [String] = [])
        -> ClientRecord
    {
        ClientRecord(
            address: address, failures: failures, successes: successes, firstFailure: t0,
            lastFailure: t0 + Int64(failures * 60 / max(peak, 1)),
            peakFailures: peak, burstWindow: 60, usersTried: users, distinctUsers: users.count)
    }

    /// Ten quiet minutes (1 failure in 100 requests), then 80 of 120 fail, then 150 of 200.
    static func spikeSummary() -> LogSummary {
        summary(timeline: Array(repeating: (100, 1), count: 10) + [(120, 80), (200, 150), (100, 1)])
    }

    /// The same share of failures all along.
    static func steadySummary() -> LogSummary {
        summary(timeline: Array(repeating: (100, 3), count: 20))
    }
}
