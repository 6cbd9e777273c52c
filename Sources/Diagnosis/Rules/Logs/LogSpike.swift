import Evidence

/// When the failed-401 rate jumped, computed from the timeline (pure, shared by `logs.spike` and
/// the report's chart, which marks the onset).
///
/// The onset is the first bucket whose failed 401s are at least `spikeFactor` × the baseline (the
/// mean per bucket over up to `baselineBuckets` preceding buckets, at least 1 so a jump from zero
/// still needs `spikeFactor` failures), at least `spikeMinFailures`, and whose share of requests is
/// also `spikeFactor` × the baseline share (and at least one point above it) — so a traffic surge
/// with the usual proportion of 401s is not a spike, while 300 failures a minute on a busy site
/// (0.03% → 8%) is. At least `minimumBaseline` preceding buckets are needed: 401s present from the first
/// minute of a log have no "before" to jump from.
public struct LogSpike: Sendable, Equatable {
    /// Start of the onset bucket.
    public var onset: Int64
    /// The earliest failed 401 from a client whose failures began in the onset bucket, when known:
    /// the second the new wave began.
    public var firstNewFailure: Int64?
    /// The client of `firstNewFailure`, when known: often the source of the wave.
    public var firstNewClient: String?
    /// The timeline's bucket width in seconds, to say "per minute" or "per hour".
    public var bucketSeconds: Int
    /// Baseline failed 401s per bucket and their share of requests, over `baselineBucketCount` buckets.
    public var baselinePerBucket: Double
    /// Baseline share of requests that were failed 401s (0…1).
    public var baselineShare: Double
    /// How many buckets the baseline covers (up to `baselineBuckets`).
    public var baselineBucketCount: Int
    /// The onset bucket.
    public var onsetFailures: Int
    /// Requests in the onset bucket.
    public var onsetRequests: Int
    /// The bucket with the most failed 401s from the onset on.
    public var peakStart: Int64
    /// Failed 401s in the peak bucket.
    public var peakFailures: Int
    /// Requests in the peak bucket.
    public var peakRequests: Int
    /// Failed 401s and requests from the onset to the end of the timeline.
    public var failuresSince: Int
    /// Requests from the onset to the end of the timeline.
    public var requestsSince: Int

    /// The most preceding buckets the baseline averages over.
    public static let baselineBuckets = 60
    /// The fewest preceding buckets a spike needs: 401s from the first minute of a log have no "before".
    public static let minimumBaseline = 3

    /// The first spike in the summary's timeline under these thresholds, or nil when the rate never jumped.
    public static func detect(_ summary: LogSummary, thresholds: LogThresholds) -> LogSpike? {
        let buckets = summary.timeline
        guard buckets.count > minimumBaseline else { return nil }
        // Running sums make each baseline O(1): 10⁵ buckets stay cheap.
        var failurePrefix = [0]
        var requestPrefix = [0]
        for b in buckets {
            failurePrefix.append(failurePrefix.last! + b.failures)
            requestPrefix.append(requestPrefix.last! + b.requests)
        }
        for i in minimumBaseline..<buckets.count {
            let bucket = buckets[i]
            guard bucket.failures >= thresholds.spikeMinFailures, bucket.requests > 0 else { continue }
            let from = max(0, i - baselineBuckets)
            let count = i - from
            let baseFailures = failurePrefix[i] - failurePrefix[from]
            let baseRequests = requestPrefix[i] - requestPrefix[from]
            let perBucket = Double(baseFailures) / Double(count)
            let baseShare = baseRequests > 0 ? Double(baseFailures) / Double(baseRequests) : 0
            let share = Double(bucket.failures) / Double(bucket.requests)
            guard Double(bucket.failures) >= thresholds.spikeFactor * max(perBucket, 1),
                share >= thresholds.spikeFactor * baseShare, share >= baseShare + 0.01
            else { continue }
            var peak = i
            for j in i..<buckets.count where buckets[j].failures > buckets[peak].failures { peak = j }
            let end = bucket.start + Int64(summary.bucketSeconds)
            let newcomer = summary.clients.filter { $0.firstFailure >= bucket.start && $0.firstFailure < end }
                .min { ($0.firstFailure, $0.address) < ($1.firstFailure, $1.address) }
            return LogSpike(
                onset: bucket.start, firstNewFailure: newcomer?.firstFailure, firstNewClient: newcomer?.address,
                bucketSeconds: summary.bucketSeconds, baselinePerBucket: perBucket, baselineShare: baseShare,
                baselineBucketCount: count,
                onsetFailures: bucket.failures, onsetRequests: bucket.requests, peakStart: buckets[peak].start,
                peakFailures: buckets[peak].failures, peakRequests: buckets[peak].requests,
                failuresSince: failurePrefix[buckets.count] - failurePrefix[i],
                requestsSince: requestPrefix[buckets.count] - requestPrefix[i])
        }
        return nil
    }

    /// "401s began at …": the exact second when a new failing client marks it, else the bucket start.
    public var began: Int64 { firstNewFailure ?? onset }
}

/// `logs.spike`: the failed-401 rate jumped; says when (the onset) and from what baseline to what.
public enum SpikeLogRule: Rule {
    /// One finding when `LogSpike.detect` finds a spike: when it began, the baseline, the onset and peak buckets.
    public static func check(_ e: LogEvidence) -> [Finding] {
        guard let spike = LogSpike.detect(e.summary, thresholds: e.thresholds) else { return [] }
        let unit = LogTime.unit(spike.bucketSeconds)
        let baselineSpan = LogTime.span(Int64(spike.baselineBucketCount * spike.bucketSeconds))
        var evidence = [
            "401s began at \(LogTime.iso(spike.began))"
                + (spike.firstNewClient.map { " (first failure from \($0), a client with no earlier failures)" } ?? ""),
            """
            \(spike.onsetFailures) failed 401s in the \(unit) from \(LogTime.iso(spike.onset)) \
            (\(LogFigures.percent(spike.onsetFailures, of: spike.onsetRequests)) of \(spike.onsetRequests) \
            requests), up from a baseline of \(LogFigures.decimal(spike.baselinePerBucket)) per \(unit) \
            (\(LogFigures.percent(spike.baselineShare))) over the preceding \(baselineSpan)
            """,
        ]
        if spike.peakStart != spike.onset {
            evidence.append(
                """
                peak \(spike.peakFailures) failed 401s in the \(unit) from \(LogTime.iso(spike.peakStart)) \
                (\(LogFigures.percent(spike.peakFailures, of: spike.peakRequests)) of \(spike.peakRequests) \
                requests)
                """
            )
        }
        evidence.append(
            """
            since the onset: \(spike.failuresSince) failed 401s in \(spike.requestsSince) requests \
            (\(LogFigures.percent(spike.failuresSince, of: spike.requestsSince)))
            """
        )
        let detail =
            """
            The failed-401 rate jumped at \(LogTime.iso(spike.onset)) from \
            \(LogFigures.decimal(spike.baselinePerBucket)) to \(spike.onsetFailures) per \(unit). Look for what \
            changed at that time.
            """
        let from = LogTime.journal(spike.onset - 600)
        let to = LogTime.journal(spike.onset + Int64(spike.bucketSeconds))
        return [
            Finding(
                .logsSpike, detail: detail, evidence: evidence,
                fix: [
                    """
                    What changed in the ten minutes before the onset: `TZ=UTC journalctl -u apache2 -u nginx \
                    --since \"\(from)\" --until \"\(to)\"`.
                    """
                ])
        ]
    }

    /// Raises `logs.spike`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsSpike,
        triggering: [LogSample.evidence(LogSample.spikeSummary())],
        nonTriggering: [
            LogSample.evidence(LogSample.steadySummary()),
            // 401s from the very first minute: nothing to jump from.
            LogSample.evidence(LogSample.summary(timeline: [(100, 50), (100, 50), (100, 50)])),
            // Traffic ×10 with the usual 5% of 401s: a surge, not a 401 spike.
            LogSample.evidence(
                LogSample.summary(timeline: [(100, 5), (100, 5), (100, 5), (100, 5), (1000, 50), (1000, 50)])),
        ])
}
