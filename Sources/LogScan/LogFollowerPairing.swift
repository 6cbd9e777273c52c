// The access-log side of `LogFollower`: counting, handshake pairing and the brute-force window of one
// followed stream, in memory bounded by time windows (no interner: keys are held only while open).

/// A client and request path as logged (bytes, not unescaped): what a 401 and its 2xx share.
struct FollowPairKey: Hashable {
    var client: [UInt8]
    var path: [UInt8]?
}

extension ByteRun {
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// Handshake pairing with exactly the rules of `Aggregate` (`add`, `resolve`, `expire`, `finish`), for one
/// stream read in order, holding only the 401s still open.
///
/// A 2xx at `T` pairs every open 401 of its (client, path) with `t <= T` and `T - t <= window`. When the
/// newest time (`watermark`) rises, open 401s are settled as failures in arrival order while the oldest
/// one has `t < watermark - window - Aggregate.disorder`. `settleAll` settles the rest (end of input, or
/// an input quiet for `LogFollowOptions.settleAfter`).
struct FollowPairing {
    struct Open {
        var key: FollowPairKey
        var time: Int64
        var resolved = false
        /// Sequence number of the next open 401 of the same key, -1 at the end.
        var next = -1
        /// Its entry in `burst`, -1 when it was outside the burst window already.
        var burstSeq = -1
    }

    let window: Int64
    /// Open 401s in arrival order (resolved ones stay until the head passes them); `base` is the
    /// sequence number of `queue[0]`.
    private(set) var queue: [Open] = []
    private var head = 0
    private var base = 0
    /// First and last sequence number of the open 401s of each key (linked through `Open.next`).
    private(set) var index: [FollowPairKey: (first: Int, last: Int)] = [:]
    /// The newest request time seen.
    private(set) var watermark = Int64.min
    private(set) var handshakes = 0
    private(set) var failures = 0
    /// 401s neither paired nor settled.
    private(set) var open = 0
    var burst: BurstTracker

    init(window: Int, burst: BurstTracker) {
        self.window = Int64(window)
        self.burst = burst
    }

    /// Entries held (for `LogFollower.stateSize`).
    var stateSize: Int { queue.count - head + index.count + burst.stateSize }

    /// One parsed request, in stream order (`Aggregate.add` without the figures the follower does not keep).
    mutating func add(_ f: inout AccessFields) {
        let t = f.time
        if t > watermark {
            watermark = t
            if head < queue.count { expire(before: t - window - Aggregate.disorder) }
            burst.age(watermark: t)
        }
        let status = f.status
        if status >= 200 && status < 300 {
            if !index.isEmpty { resolve(FollowPairKey(client: f.client.bytes, path: f.requestPath()?.bytes), at: t) }
        } else if status == 401 {
            let key = FollowPairKey(client: f.client.bytes, path: f.requestPath()?.bytes)
            let seq = burst.add(client: key.client, time: t, watermark: watermark)
            enqueue(Open(key: key, time: t, burstSeq: seq))
        }
    }

    private mutating func enqueue(_ item: Open) {
        let seq = base + queue.count
        queue.append(item)
        open += 1
        if let entry = index[item.key] {
            queue[entry.last - base].next = seq
            index[item.key] = (entry.first, seq)
        } else {
            index[item.key] = (seq, seq)
        }
    }

    /// A 2xx for `key` at `time`: every open 401 of that key from `time - window` to `time` was a handshake.
    private mutating func resolve(_ key: FollowPairKey, at time: Int64) {
        guard let entry = index[key] else { return }
        var seq = entry.first
        var newFirst = -1
        var newLast = -1
        while seq >= 0 {
            let i = seq - base
            let next = queue[i].next
            let t = queue[i].time
            if t <= time && time - t <= window {
                queue[i].resolved = true
                open -= 1
                handshakes += 1
                if queue[i].burstSeq >= 0 { burst.remove(client: key.client, seq: queue[i].burstSeq) }
                if newLast >= 0 { queue[newLast - base].next = next }
            } else {
                if newFirst < 0 { newFirst = seq }
                newLast = seq
            }
            seq = next
        }
        index[key] = newFirst < 0 ? nil : (newFirst, newLast)
    }

    /// Settles open 401s older than `limit` as failures, in arrival order (stops at the first newer one).
    private mutating func expire(before limit: Int64) {
        while head < queue.count && queue[head].time < limit {
            if !queue[head].resolved {
                failures += 1
                open -= 1
                // the oldest open 401 of its key (older ones were settled or paired): unlink it
                let key = queue[head].key
                if let entry = index[key], entry.first == base + head {
                    let next = queue[head].next
                    index[key] = next < 0 ? nil : (next, entry.last)
                }
            }
            head += 1
        }
        compact()
    }

    /// Settles every open 401 as a failure (`Aggregate.finish`).
    mutating func settleAll() {
        for i in head..<queue.count where !queue[i].resolved {
            failures += 1
            open -= 1
        }
        head = queue.count
        index.removeAll()
        compact()
    }

    private mutating func compact() {
        if head == queue.count {
            base += queue.count
            queue.removeAll(keepingCapacity: queue.capacity <= 4096)
            head = 0
        } else if head > 1024 && head * 2 > queue.count {
            queue.removeFirst(head)
            base += head
            head = 0
        }
        // a dictionary keeps its peak capacity: give it back once empty after a burst
        if index.isEmpty && index.capacity > 4096 { index = [:] }
    }
}

/// The 401s of the last `span` seconds (log time) per client, without those paired as handshakes: the
/// brute-force gauge. Entries age out in arrival order once the watermark passes `time + span`
/// (`fifo`); counting filters by time too, so lines out of order never count outside the window.
struct BurstTracker {
    let span: Int64
    let peak: Int
    /// Per client: (sequence, time) of each recent unanswered 401, in arrival order.
    private(set) var recent: [[UInt8]: [(seq: Int, time: Int64)]] = [:]
    /// Clients with at least `peak` entries in `recent` (candidates; `flagged` checks their times).
    private(set) var heavy: Set<[UInt8]> = []
    private var fifo: [(client: [UInt8], seq: Int, time: Int64)] = []
    private var fifoHead = 0
    private var nextSeq = 0

    init(span: Int, peak: Int) {
        self.span = Int64(max(1, span))
        self.peak = max(1, peak)
    }

    var stateSize: Int { recent.count + heavy.count + fifo.count - fifoHead }

    /// A 401 of `client` at `time`: its sequence number, or -1 when it is outside the window already.
    mutating func add(client: [UInt8], time: Int64, watermark: Int64) -> Int {
        guard time > watermark - span else { return -1 }
        let seq = nextSeq
        nextSeq += 1
        recent[client, default: []].append((seq, time))
        if recent[client]?.count == peak { heavy.insert(client) }
        fifo.append((client, seq, time))
        return seq
    }

    /// Forgets entry `seq` of `client` (paired as a handshake, or aged out); nothing when already gone.
    mutating func remove(client: [UInt8], seq: Int) {
        guard let position = recent[client].flatMap({ BurstTracker.position(of: seq, in: $0) }) else { return }
        recent[client]?.remove(at: position)
        let left = recent[client]?.count ?? 0
        if left < peak { heavy.remove(client) }
        if left == 0 { recent[client] = nil }
    }

    /// Drops entries at or before `watermark - span`, in arrival order.
    mutating func age(watermark: Int64) {
        let limit = watermark - span
        while fifoHead < fifo.count && fifo[fifoHead].time <= limit {
            remove(client: fifo[fifoHead].client, seq: fifo[fifoHead].seq)
            fifoHead += 1
        }
        if fifoHead == fifo.count {
            fifo.removeAll(keepingCapacity: fifo.capacity <= 4096)
            fifoHead = 0
        } else if fifoHead > 1024 && fifoHead * 2 > fifo.count {
            fifo.removeFirst(fifoHead)
            fifoHead = 0
        }
        if recent.isEmpty && recent.capacity > 4096 { recent = [:] }
    }

    /// Adds the clients with at least `peak` entries in `(end - span, end]` to `clients`.
    func flagged(end: Int64, into clients: inout Set<[UInt8]>) {
        guard !heavy.isEmpty else { return }
        let from = end &- span
        for client in heavy {
            guard let entries = recent[client] else { continue }
            var n = 0
            for entry in entries where entry.time > from && entry.time <= end { n += 1 }
            if n >= peak { clients.insert(client) }
        }
    }

    /// Binary search: entries are in increasing sequence order.
    static func position(of seq: Int, in entries: [(seq: Int, time: Int64)]) -> Int? {
        var lo = 0
        var hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].seq < seq { lo = mid + 1 } else { hi = mid }
        }
        return lo < entries.count && entries[lo].seq == seq ? lo : nil
    }
}

/// Access lines of one followed stream: the counts of `AccessConsumer` that the follower reports, and
/// the pairing. Lines are parsed exactly as `AccessConsumer` does.
struct FollowAccessConsumer: LineConsumer {
    let format: AccessFormat
    var cache = CLFTimeCache()
    /// Allocated for the JSON format only; released by the owning stream.
    var json: JSONLineParser?
    var fields = AccessFields()
    var lines = 0
    var malformed = 0
    var unauthorized = 0
    var byStatus: [Int: Int] = [:]
    var pairing: FollowPairing

    init(format: AccessFormat, pairing: FollowPairing) {
        self.format = format
        self.pairing = pairing
        if case .json = format { json = JSONLineParser() }
    }

    mutating func line(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if n == 0 { return }
        lines += 1
        let ok: Bool
        switch format {
        case .combined(let vhost): ok = CombinedParser.parse(p, n, vhost: vhost, cache: &cache, into: &fields)
        case .json: ok = json!.parse(p, n, cache: &cache, into: &fields)
        case .custom(let custom): ok = custom.parse(p, n, cache: &cache, into: &fields)
        }
        fields.forwarded = false
        guard ok else {
            malformed += 1
            return
        }
        byStatus[fields.status, default: 0] += 1
        if fields.status == 401 { unauthorized += 1 }
        pairing.add(&fields)
    }

    mutating func tooLong() {
        lines += 1
        malformed += 1
    }
}
