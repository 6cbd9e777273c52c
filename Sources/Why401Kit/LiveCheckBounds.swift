import Checkup
import Dispatch
import Synchronization

extension CheckRequest {
    /// The plan settings a front end's live check runs with (the web page, MCP, the exporter): the
    /// CLI's defaults (3 identical requests, at most 4 credentialed ones) with every request bounded by
    /// `min(10, maxTime)` seconds and the whole plan by `maxTime`.
    public static func frontEnd(url: String, maxTime: Double) -> CheckRequest {
        var request = CheckRequest(url: url)
        let timeout = min(10, maxTime)
        request.maxTime = maxTime
        request.probe.connectTimeout = timeout
        request.probe.readTimeout = timeout
        request.probe.deadline = timeout
        return request
    }
}

/// A call that did not finish within its bound (`UseCase.within(seconds:_:)`).
public struct CallTimeout: Error, Sendable {
    public init() {}
}

extension UseCase {
    /// The value of `work`, or `CallTimeout` after `seconds` — returned then even if `work` ignores
    /// cancellation (it is cancelled and left to end on its own). The clock is a Dispatch timer, so it
    /// fires even when every thread of the cooperative pool is busy: a front end (MCP call, exporter
    /// probe) answers in time whatever the target does.
    public static func within<T: Sendable>(
        seconds: Double, _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let once = ResumeOnce<T>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            once.hold(
                Task {
                    do { once.resume(.success(try await work())) } catch { once.resume(.failure(error)) }
                })
            // The timer holds only `once`, which lets go of the task and its result as soon as the work
            // ends: a front end under load keeps nothing for the rest of each call's bound.
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0, seconds)) {
                once.resume(.failure(CallTimeout()), cancellingTask: true)
            }
        }
    }
}

/// A continuation resumed by whichever of two tasks finishes first, and the worker task until then.
final class ResumeOnce<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, Error>?
        var task: Task<Void, Never>?
        var done = false
    }
    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// The worker, to cancel on a timeout; released with everything else once the call is resumed.
    func hold(_ task: Task<Void, Never>) {
        state.withLock { value in
            if !value.done { value.task = task }
        }
    }

    /// Resumes with `result` unless already resumed; true when this call did. `cancellingTask`: the
    /// worker is told to stop (a timeout).
    @discardableResult
    func resume(_ result: Result<T, Error>, cancellingTask: Bool = false) -> Bool {
        let (continuation, task) = state.withLock { value -> (CheckedContinuation<T, Error>?, Task<Void, Never>?) in
            if value.done { return (nil, nil) }
            value.done = true
            defer {
                value.continuation = nil
                value.task = nil
            }
            return (value.continuation, value.task)
        }
        guard let continuation else { return false }
        if cancellingTask { task?.cancel() }
        continuation.resume(with: result)
        return true
    }
}

extension Duration {
    /// Whole milliseconds, for a server's request log line.
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// Seconds with the fraction.
    public var fractionalSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
