// The exporter's concurrency limit: at most `limit` probes run, a bounded line waits (in order,
// each no longer than its own deadline), and a slot is never lost to a waiter that gave up.
import Foundation
import Testing

@testable import Why401Exporter

struct ProbeSlotsTests {
    @Test func limitQueueAndDeadline() async throws {
        let slots = ProbeSlots(limit: 2, maxWaiting: 1)
        #expect(await slots.acquire(within: 1))
        #expect(await slots.acquire(within: 1))
        #expect(slots.running == 2)
        // The line holds one: a third waits, a fourth is turned away at once.
        let third = Task { await slots.acquire(within: 5) }
        while slots.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let started = ContinuousClock.now
        #expect(await slots.acquire(within: 5) == false)
        #expect(ContinuousClock.now - started < .seconds(1))
        // A release hands the slot straight to the waiter.
        slots.release()
        #expect(await third.value)
        #expect(slots.running == 2 && slots.waiting == 0)
        // A waiter whose deadline passes gives up, and takes no slot with it.
        let clock = ContinuousClock.now
        #expect(await slots.acquire(within: 0.2) == false)
        #expect(ContinuousClock.now - clock >= .milliseconds(190))
        slots.release()
        slots.release()
        #expect(slots.running == 0)
        #expect(await slots.acquire(within: 0.1))
        #expect(slots.running == 1)
    }

    @Test func manyAtOnceNeverExceedTheLimit() async throws {
        let slots = ProbeSlots(limit: 4, maxWaiting: 1000)
        let peak = PeakCounter()
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    // No deadline worth the name: a busy test runner may leave a task unscheduled for long.
                    guard await slots.acquire(within: 3600) else { return false }
                    peak.enter()
                    await Task.yield()
                    peak.leave()
                    slots.release()
                    return true
                }
            }
            var granted = 0
            for await ok in group where ok { granted += 1 }
            #expect(granted == 200)
        }
        #expect(peak.maximum <= 4 && peak.maximum >= 1)
        #expect(slots.running == 0 && slots.waiting == 0)
    }
}

final class PeakCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private(set) var maximum = 0
    func enter() {
        lock.withLock {
            current += 1
            maximum = max(maximum, current)
        }
    }
    func leave() { lock.withLock { current -= 1 } }
}
