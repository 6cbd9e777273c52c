/// A 401 waiting to learn whether a 2xx from the same client and path follows within the window.
struct Pending {
    var client: Int32
    var path: Int32
    var user: Int32
    var agent: Int32
    var time: Int64
    /// Minute slot of `time` in the owning aggregate (saves a lookup when it fails).
    var slot: Int32 = 0
    var resolved = false
    /// Sequence number of the next open 401 of the same key (`PendingIndex`), -1 at the end.
    var next = -1

    var key: Int64 { Aggregate.key(client, path) }
}

/// Per user: failed 401s and their first and last time, side by side (one cache line per failure).
struct UserFailures {
    var count = 0
    var first = Int64.max
    var last = Int64.min
}

/// Per client: failed 401s, their first and last time, and the burst-peak bookkeeping.
struct ClientFailures {
    var count = 0
    var first = Int64.max
    var last = Int64.min
    /// The best burst found among spans already complete (dropped from `clientSeconds`).
    var peak = 0
    /// `clientSeconds.count` at which to compact next (doubles with what is kept).
    var compactAt: Int32
}

/// The figures of one piece of input (a chunk of a file, a `.gz`, stdin), keyed by interned ids.
///
/// Workers fill one each; `merge` folds them into a global one in input order. Everything is a sum
/// or min/max except the handshake pairing, which crosses chunk boundaries: a chunk hands over its
/// still-open 401s (`leftover`) and the 2xx it saw near its start (`head`), and the merge resolves them.
struct Aggregate {
    /// How far (seconds) a log line may be out of time order and still be paired exactly.
    /// A 401 is settled as a failure once a line more than `window + disorder` seconds later was seen.
    static let disorder: Int64 = 900

    let window: Int64
    var clients = ByteInterner()
    var paths = ByteInterner()
    var users = ByteInterner()
    var agents = ByteInterner()

    var lines = 0
    /// All lines including blank ones (for line numbers).
    var physicalLines = 0
    var requests = 0
    var unauthorized = 0
    var handshakes = 0
    var successes = 0
    var malformed = 0
    var malformedSamples: [Int] = []
    /// Lines whose client field was an X-Forwarded-For list (the client taken is its first address).
    var forwardedLines = 0
    var first = Int64.max
    var last = Int64.min

    /// Timeline slots of `granularity` seconds (epoch-aligned): 60 until this aggregate's own span passes
    /// 48 h, then 3600, past 366 days 86400 — the summary's bucket width for such a span, so slots are
    /// never finer than the final buckets (folding is exact) and their number stays bounded (≤ ~9000)
    /// whatever the file size. `minuteSlot` maps a slot's index (`time / granularity`) to its position.
    private(set) var granularity: Int64 = 60
    private var granularityLimit: Int64 = 48 * 3600
    var minuteSlot: [Int64: Int] = [:]
    var minuteStart: [Int64] = []
    var minuteRequests: [Int] = []
    var minuteFailures: [Int] = []
    private var lastMinute = Int64.min
    private var lastSlot = -1
    /// `[lastStart, lastEnd)`: the time range of `lastSlot` (a compare instead of a division per line).
    private var lastStart = Int64.max
    private var lastEnd = Int64.min

    /// The `clients` table's value word (`ByteInterner.value`), what every 2xx/3xx line touches: the
    /// client's 2xx/3xx count (low 32 bits) and the `mark` of its newest 401 (high 32 bits, 0: none).
    /// A 2xx at `t` answers only 401s from `t - window` on, so a client whose newest 401 is older is not
    /// looked up by path at all: most 2xx lines of a busy client whose last 401 was minutes ago.
    static let successMask: UInt64 = 0xFFFF_FFFF
    /// Where `mark` counts from (the aggregate's first line).
    private var markBase: Int64?
    /// Per client, what a failed 401 updates, side by side.
    var clientFails: [ClientFailures] = []
    /// Per client: failure seconds with their counts packed `t << 20 | n` (for peakFailures), only
    /// those that may still share a `burst`-second span with a failure not yet seen (see `compactPeak`),
    /// so memory follows the failures of the last ~50 minutes, not the file size.
    var clientSeconds: [[UInt64]] = []
    /// Whether settled seconds may be dropped: only when every unit of the scan belongs to one input
    /// (inputs may be given in any time order, and a burst may span two of them).
    var boundedPeak = false
    /// Failures at or before this time are never dropped by a chunk that is not the first of its input:
    /// the merge needs them to count spans shared with the previous chunk.
    var peakKeepUntil = Int64.min
    /// Global aggregate: whether a unit was merged in yet (the first one is adopted whole).
    var absorbedAny = false
    let burst: Int64
    let compactMinimum: Int32
    /// The `users` table's value word is the user's 2xx/3xx count (`userSuccess`).
    var userFails: [UserFailures] = []
    var pathFailures: [Int] = []
    var agentFailures: [Int] = []
    var clientUser = PairCounter()

    // pairing
    var queue: [Pending] = []
    var queueHead = 0
    var queueBase = 0
    var pendingByKey = PendingIndex()
    var watermark = Int64.min
    /// 2xx seen near the start of a chunk that is not the first of its input: (client, path, time).
    var recordHead = false
    var head: [(Int32, Int32, Int64)] = []
    private var headLimit = Int64.max

    init(window: Int, burst: Int = 60, compactMinimum: Int = 16) {
        self.window = Int64(window)
        self.burst = Int64(max(1, burst))
        self.compactMinimum = Int32(max(1, compactMinimum))
    }

    @inline(__always)
    static func key(_ client: Int32, _ path: Int32) -> Int64 {
        (Int64(client) << 32) | Int64(UInt32(bitPattern: path))
    }

    /// The summary's bucket width for data spanning `span` seconds.
    static func bucketWidth(span: Int64) -> Int64 {
        span <= 48 * 3600 ? 60 : (span <= 366 * 86400 ? 3600 : 86400)
    }

    @inline(__always)
    static func floorDiv(_ t: Int64, _ w: Int64) -> Int64 { t >= 0 ? t / w : (t - w + 1) / w }

    /// Folds the timeline slots into coarser ones of `width` seconds (and re-points the open 401s).
    mutating func coarsen(to width: Int64) {
        guard width > granularity else { return }
        granularity = width
        granularityLimit = width == 3600 ? 366 * 86400 : .max
        let oldStart = minuteStart
        let oldRequests = minuteRequests
        let oldFailures = minuteFailures
        minuteSlot = [:]
        minuteStart = []
        minuteRequests = []
        minuteFailures = []
        lastMinute = .min
        lastSlot = -1
        lastStart = .max
        lastEnd = .min
        var remap = [Int32](repeating: 0, count: oldStart.count)
        for i in oldStart.indices {
            let s = slotFor(oldStart[i])
            remap[i] = Int32(s)
            minuteRequests[s] += oldRequests[i]
            minuteFailures[s] += oldFailures[i]
        }
        for i in queueHead..<queue.count { queue[i].slot = remap[Int(queue[i].slot)] }
    }

    @inline(__always)
    private mutating func slot(_ time: Int64) -> Int {
        if time >= lastStart && time < lastEnd { return lastSlot }
        let minute = Aggregate.floorDiv(time, granularity)
        if minute == lastMinute { return lastSlot }
        let s: Int
        if let found = minuteSlot[minute] {
            s = found
        } else {
            s = minuteStart.count
            minuteSlot[minute] = s
            minuteStart.append(minute * granularity)
            minuteRequests.append(0)
            minuteFailures.append(0)
        }
        lastMinute = minute
        lastSlot = s
        lastStart = minute * granularity
        lastEnd = lastStart + granularity
        return s
    }

    @inline(__always)
    mutating func clientID(_ run: ByteRun) -> Int32 { clientSlot(run).id }

    /// The client's id and its slot in `clients` (for its value word).
    @inline(__always)
    mutating func clientSlot(_ run: ByteRun) -> (id: Int32, slot: Int) {
        let found = clients.internSlot(run.base, run.count)
        if Int(found.id) == clientFails.count {
            clientFails.append(ClientFailures(compactAt: compactMinimum))
            clientSeconds.append([])
        }
        return found
    }

    /// `t` as 32 bits that never decrease as `t` grows (saturating more than ±68 years from the first line):
    /// `mark(a) < mark(b)` implies `a < b`, so comparing marks never skips a 401 that a 2xx may answer.
    @inline(__always)
    func mark(_ t: Int64) -> UInt64 {
        let (d, overflow) = t.subtractingReportingOverflow(markBase ?? t)
        let half: Int64 = 1 << 31
        if overflow { return t < 0 ? 1 : UInt64(2 * half - 1) }
        return UInt64(Swift.min(Swift.max(d, 1 - half), half - 1) + half)
    }

    @inline(__always)
    mutating func userID(_ run: ByteRun?) -> Int32 {
        guard let run else { return -1 }
        return userSlot(run).id
    }

    @inline(__always)
    mutating func userSlot(_ run: ByteRun) -> (id: Int32, slot: Int) {
        let found = users.internSlot(run.base, run.count)
        if Int(found.id) == userFails.count { userFails.append(UserFailures()) }
        return found
    }

    /// Adds `n` 2xx/3xx lines to a user (kept in the `users` table, loaded by the lookup itself).
    @inline(__always)
    mutating func userSuccess(_ run: ByteRun, _ n: UInt64 = 1) {
        let s = userSlot(run).slot
        users.setValue(s, users.value(s) + n)
    }

    @inline(__always)
    mutating func pathID(_ run: ByteRun?) -> Int32 {
        guard let run else { return -1 }
        let id = paths.intern(run.base, run.count)
        if Int(id) == pathFailures.count { pathFailures.append(0) }
        return id
    }

    @inline(__always)
    mutating func agentID(_ run: ByteRun?) -> Int32 {
        guard let run else { return -1 }
        let id = agents.intern(run.base, run.count)
        if Int(id) == agentFailures.count { agentFailures.append(0) }
        return id
    }

    /// Counts one parsed request already known to be inside --since/--until.
    @inline(__always)
    mutating func add(_ f: inout AccessFields, agentOf: (inout AccessFields) -> ByteRun?) {
        requests += 1
        let t = f.time
        if t < first || t > last {
            if t < first { first = t }
            if t > last { last = t }
            if last - first > granularityLimit { coarsen(to: Aggregate.bucketWidth(span: last - first)) }
        }
        if t > watermark {
            watermark = t
            if queueHead < queue.count { expire(before: t - window - Aggregate.disorder) }
        }
        if recordHead && headLimit == .max {
            headLimit = t + 2 * Aggregate.disorder + 2 * window
            peakKeepUntil = t + 2 * Aggregate.disorder + 2 * burst
        }
        let minute = slot(t)
        minuteRequests[minute] += 1
        if markBase == nil { markBase = t }
        let status = f.status
        if status >= 200 && status < 400 {
            successes += 1
            let (c, s) = clientSlot(f.client)
            let value = clients.value(s)
            // the count as 32 bits, trapping on overflow rather than spilling into the mark
            let count = UInt32(truncatingIfNeeded: value) + 1
            clients.setValue(s, value & ~Aggregate.successMask | UInt64(count))
            if let user = f.user { userSuccess(user) }
            if status < 300 {
                let recording = recordHead && watermark <= headLimit
                // some 401 of this client may be answered: one from `t - window` on (see `successMask`)
                let (from, overflow) = t.subtractingReportingOverflow(window)
                let open = value >> 32 >= (overflow ? 1 : mark(from))
                if open || recording {
                    let p = pathID(f.requestPath())
                    if open { resolve(Aggregate.key(c, p), at: t) }
                    if recording { head.append((c, p, t)) }
                }
            }
        } else if status == 401 {
            unauthorized += 1
            let (c, s) = clientSlot(f.client)
            let value = clients.value(s)
            let newest = Swift.max(value >> 32, mark(t))
            clients.setValue(s, value & Aggregate.successMask | newest << 32)
            let p = pathID(f.requestPath())
            let u = userID(f.user)
            let a = agentID(agentOf(&f))
            enqueue(Pending(client: c, path: p, user: u, agent: a, time: t, slot: Int32(minute)))
        }
    }

    /// Opens a 401: appends it to the queue and links it at the end of its key's list.
    @inline(__always)
    mutating func enqueue(_ pending: Pending) {
        var p = pending
        p.next = -1
        p.resolved = false
        let seq = queueBase + queue.count
        queue.append(p)
        let (slot, found) = pendingByKey.findOrInsert(p.key)
        if found {
            queue[pendingByKey.last(slot) - queueBase].next = seq
            pendingByKey.setLast(slot, seq)
        } else {
            pendingByKey.set(slot, first: seq, last: seq)
        }
    }

    /// A 2xx for `key` at `time`: every open 401 of that key from `time - window` to `time` was a handshake.
    @inline(__always)
    mutating func resolve(_ key: Int64, at time: Int64) {
        guard let slot = pendingByKey.find(key) else { return }
        var seq = pendingByKey.first(slot)
        var newFirst = -1
        var newLast = -1
        while seq >= 0 {
            let index = seq - queueBase
            let next = queue[index].next
            let t = queue[index].time
            if t <= time && time - t <= window {
                queue[index].resolved = true
                handshakes += 1
                if newLast >= 0 { queue[newLast - queueBase].next = next }
            } else {
                if newFirst < 0 { newFirst = seq }
                newLast = seq
            }
            seq = next
        }
        if newFirst < 0 {
            pendingByKey.remove(slot)
        } else {
            pendingByKey.set(slot, first: newFirst, last: newLast)
        }
    }

    /// Settles open 401s older than `limit` as failures (in queue order).
    mutating func expire(before limit: Int64) {
        while queueHead < queue.count && queue[queueHead].time < limit {
            if !queue[queueHead].resolved {
                fail(queue[queueHead])
                // it is the oldest open 401 of its key (older ones were settled or unlinked): unlink it
                let seq = queueBase + queueHead
                if let slot = pendingByKey.find(queue[queueHead].key), pendingByKey.first(slot) == seq {
                    let next = queue[queueHead].next
                    if next < 0 {
                        pendingByKey.remove(slot)
                    } else {
                        pendingByKey.setFirst(slot, next)
                    }
                }
            }
            queueHead += 1
        }
        if queueHead == queue.count {
            queueBase += queue.count
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
        } else if queueHead > 4096 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueBase += queueHead
            queueHead = 0
        }
    }

    /// A failed 401 (not a handshake): into every failure figure.
    mutating func fail(_ p: Pending) {
        let c = Int(p.client)
        clientFails[c].count += 1
        if p.time < clientFails[c].first { clientFails[c].first = p.time }
        if p.time > clientFails[c].last { clientFails[c].last = p.time }
        let packed = UInt64(max(0, p.time)) << 20
        if let lastPacked = clientSeconds[c].last, lastPacked & ~0xFFFFF == packed, lastPacked & 0xFFFFF < 0xFFFFF {
            clientSeconds[c][clientSeconds[c].count - 1] += 1
        } else {
            clientSeconds[c].append(packed | 1)
            if clientSeconds[c].count >= clientFails[c].compactAt { compactPeak(c) }
        }
        if p.user >= 0 {
            userFails.withUnsafeMutableBufferPointer { fails in
                let u = Int(p.user)
                fails[u].count += 1
                if p.time < fails[u].first { fails[u].first = p.time }
                if p.time > fails[u].last { fails[u].last = p.time }
            }
            clientUser.add(Aggregate.key(p.client, p.user))
        }
        if p.path >= 0 { pathFailures[Int(p.path)] += 1 }
        if p.agent >= 0 { agentFailures[Int(p.agent)] += 1 }
        minuteFailures[Int(p.slot)] += 1
    }

    /// Every failure still to come (in this aggregate or a later chunk) is at or after this time:
    /// lines are at most `disorder` out of order, and an open 401 is settled at most `window + disorder`
    /// after the clock passed it (one more `disorder` for 401s queued behind a later one).
    var peakHorizon: Int64 {
        watermark == .min ? .min : watermark - window - 3 * Aggregate.disorder
    }

    /// Counts the bursts of client `c` that can no longer change and drops the seconds only they need.
    ///
    /// A span `[s, s + burst)` is complete once `s + burst <= peakHorizon`; a second `t` with
    /// `t + burst <= peakHorizon` lies only in complete spans, all counted here before it is dropped, so
    /// the peak stays exact. Partial spans are counted too: never more than their final count.
    mutating func compactPeak(_ c: Int) {
        // taken out of the table so the array is uniquely referenced: sorted and filtered in place
        var items = clientSeconds[c]
        clientSeconds[c] = []
        items.sort()
        clientFails[c].peak = Swift.max(clientFails[c].peak, Aggregate.peak(sorted: items, window: burst))
        let horizon = peakHorizon
        if boundedPeak && horizon != .min {
            let dropAtOrBefore = horizon - burst
            let keepUntil = peakKeepUntil
            items.removeAll { item in
                let t = Int64(item >> 20)
                return t <= dropAtOrBefore && t > keepUntil
            }
        }
        clientFails[c].compactAt = Int32(clamping: Swift.max(Int(compactMinimum), items.count * 2))
        // after a burst the kept seconds may be few: give back the space the burst needed
        if items.capacity > 4 * Swift.max(items.count, Int(compactMinimum)) { items = Array(items) }
        clientSeconds[c] = items
    }

    /// Open 401s not yet resolved (handed to the merge at the end of a chunk).
    var leftover: [Pending] {
        queue[queueHead...].filter { !$0.resolved }
    }

    /// Settles every open 401 as a failure (end of an input).
    mutating func finish() {
        for i in queueHead..<queue.count where !queue[i].resolved { fail(queue[i]) }
        queue.removeAll()
        queueHead = 0
        pendingByKey.removeAll()
    }

    mutating func noteMalformed(line: Int) {
        malformed += 1
        if malformedSamples.count < 5 { malformedSamples.append(line) }
    }
}
