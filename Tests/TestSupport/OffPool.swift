// Heavy synchronous work in an async test, on a thread of its own.
//
// Swift Testing runs every test on the Swift concurrency pool, which has as many threads as the
// machine has cores (two on the CI machine). A synchronous test that computes for seconds holds one
// of them the whole time; two at once stall every async test — loopback servers, requests with a time
// budget — until they finish, and a budget can run out while nothing is wrong. Work handed to
// `offPool` runs on a thread of its own while the test awaits it.
import Foundation

public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
