import Dispatch
import Evidence

extension Aggregate {
    /// Folds one unit's figures into this (global) aggregate. Units arrive in input order.
    /// `lineBase` turns the unit's line numbers into the input's.
    mutating func absorb(_ u: Aggregate, unit: WorkUnit) {
        // The first unit of the scan becomes the global aggregate as it is: its ids, tables and open
        // 401s are already in the right shape, and re-interning them would hold two copies at once.
        if !absorbedAny && unit.firstOfInput {
            let bounded = boundedPeak
            self = u
            boundedPeak = bounded
            recordHead = false
            head = []
            peakKeepUntil = .min
            absorbedAny = true
            if unit.lastOfInput { finish() }
            return
        }
        absorbedAny = true
        func map(_ from: ByteInterner, _ add: (inout Aggregate, ByteRun) -> Int32) -> [Int32] {
            var out = [Int32](repeating: 0, count: from.count)
            for id in 0..<from.count {
                let bytes = from.bytes(Int32(id))
                out[id] = bytes.withUnsafeBufferPointer { buf in
                    add(&self, ByteRun(buf.baseAddress ?? UnsafePointer(bitPattern: 1)!, buf.count))
                }
            }
            return out
        }
        let cmap = map(u.clients) { $0.clientID($1) }
        let pmap = map(u.paths) { $0.pathID($1) }
        let umap = map(u.users) { $0.userID($1) }
        let amap = map(u.agents) { $0.agentID($1) }
        @inline(__always) func m(_ table: [Int32], _ id: Int32) -> Int32 { id < 0 ? -1 : table[Int(id)] }

        // 401s carried from earlier chunks of this input meet the 2xx this chunk saw first
        if !unit.firstOfInput && queueHead < queue.count {
            for (c, p, t) in u.head { resolve(Aggregate.key(cmap[Int(c)], m(pmap, p)), at: t) }
            if u.watermark != .min { expire(before: u.watermark - window - Aggregate.disorder) }
        }

        lines += u.lines
        requests += u.requests
        unauthorized += u.unauthorized
        handshakes += u.handshakes
        successes += u.successes
        malformed += u.malformed
        first = Swift.min(first, u.first)
        last = Swift.max(last, u.last)
        var width = u.granularity
        if first <= last { width = Swift.max(width, Aggregate.bucketWidth(span: last - first)) }
        coarsen(to: width)
        for s in 0..<u.minuteStart.count {
            let g = slotFor(u.minuteStart[s])
            minuteRequests[g] += u.minuteRequests[s]
            minuteFailures[g] += u.minuteFailures[s]
        }
        for (id, value) in u.clients.valuesByID().enumerated() where value & Aggregate.successMask > 0 {
            let run = u.clients.bytes(Int32(id))
            let s = run.withUnsafeBufferPointer {
                clientSlot(ByteRun($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count)).slot
            }
            let mine = clients.value(s)
            let sum = UInt32(truncatingIfNeeded: mine) + UInt32(truncatingIfNeeded: value)
            clients.setValue(s, mine & ~Aggregate.successMask | UInt64(sum))
        }
        for (id, n) in u.users.valuesByID().enumerated() where n > 0 {
            u.users.bytes(Int32(id)).withUnsafeBufferPointer {
                userSuccess(ByteRun($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count), n)
            }
        }
        for (id, f) in u.clientFails.enumerated() where f.count > 0 {
            let g = Int(cmap[id])
            clientFails[g].count += f.count
            clientFails[g].first = Swift.min(clientFails[g].first, f.first)
            clientFails[g].last = Swift.max(clientFails[g].last, f.last)
            clientSeconds[g].append(contentsOf: u.clientSeconds[id])
            clientFails[g].peak = Swift.max(clientFails[g].peak, f.peak)
        }
        for (id, f) in u.userFails.enumerated() where f.count > 0 {
            let g = Int(umap[id])
            userFails[g].count += f.count
            userFails[g].first = Swift.min(userFails[g].first, f.first)
            userFails[g].last = Swift.max(userFails[g].last, f.last)
        }
        for (id, n) in u.pathFailures.enumerated() where n > 0 { pathFailures[Int(pmap[id])] += n }
        for (id, n) in u.agentFailures.enumerated() where n > 0 { agentFailures[Int(amap[id])] += n }
        for (k, n) in u.clientUser {
            let c = Int32(truncatingIfNeeded: k >> 32)
            let us = Int32(truncatingIfNeeded: k & 0xFFFF_FFFF)
            clientUser.add(Aggregate.key(cmap[Int(c)], umap[Int(us)]), n)
        }
        for var p in u.leftover {
            p.client = cmap[Int(p.client)]
            p.path = m(pmap, p.path)
            p.user = m(umap, p.user)
            p.agent = m(amap, p.agent)
            p.slot = Int32(slotFor(u.minuteStart[Int(p.slot)]))
            enqueue(p)
        }
        if u.watermark > watermark { watermark = u.watermark }
        for (id, f) in u.clientFails.enumerated() where f.count > 0 {
            let g = Int(cmap[id])
            if clientSeconds[g].count >= clientFails[g].compactAt { compactPeak(g) }
        }
        if unit.lastOfInput { finish() }
    }

    /// The timeline slot holding time `start` (creating it); `start` is a slot start of an aggregate whose
    /// granularity is at most this one's.
    mutating func slotFor(_ start: Int64) -> Int {
        let minute = Aggregate.floorDiv(start, granularity)
        if let s = minuteSlot[minute] { return s }
        let s = minuteStart.count
        minuteSlot[minute] = s
        minuteStart.append(minute * granularity)
        minuteRequests.append(0)
        minuteFailures.append(0)
        return s
    }

    /// The most failures within any `window`-second span `[t, t + window)`.
    static func peak(_ packed: [UInt64], window: Int64) -> Int {
        peak(sorted: packed.sorted(), window: window)
    }

    /// `peak` of seconds already sorted (packed `t << 20 | n`).
    static func peak(sorted items: [UInt64], window requested: Int64) -> Int {
        let window = UInt64(max(1, requested))
        var best: UInt64 = 0
        var sum: UInt64 = 0
        var lo = 0
        for hi in 0..<items.count {
            sum += items[hi] & 0xFFFFF
            let t = items[hi] >> 20
            while t >= (items[lo] >> 20) + window {
                sum -= items[lo] & 0xFFFFF
                lo += 1
            }
            best = Swift.max(best, sum)
        }
        return Int(best)
    }

    static func top(_ counts: [Int], _ names: ByteInterner, limit: Int, masking: (String) -> String) -> [Tally] {
        names.ranked(by: counts).prefix(limit).map { Tally(masking(names.string($0)), counts[Int($0)]) }
    }

    /// The access-log part of the summary.
    func summarize(into s: inout LogSummary, burstWindow: Int, threads: Int = 1) {
        s.lines = lines
        s.requests = requests
        s.unauthorized = unauthorized
        s.handshakes = handshakes
        s.successes = successes
        s.malformed = malformed
        s.handshakeWindow = Int(window)
        if requests > 0 {
            s.first = first
            s.last = last
            let span = last - first
            let width: Int64 = span <= 48 * 3600 ? 60 : (span <= 366 * 86400 ? 3600 : 86400)
            s.bucketSeconds = Int(width)
            func floorTo(_ t: Int64) -> Int64 { (t >= 0 ? t / width : (t - width + 1) / width) * width }
            let start = floorTo(first)
            let count = Int((floorTo(last) - start) / width) + 1
            var buckets = (0..<count).map { TimeBucket(start: start + Int64($0) * width, requests: 0, failures: 0) }
            for i in 0..<minuteStart.count {
                let b = Int((floorTo(minuteStart[i]) - start) / width)
                buckets[b].requests += minuteRequests[i]
                buckets[b].failures += minuteFailures[i]
            }
            s.timeline = buckets
        }
        // Every string leaves the scan masked (`LogSecretMasking`), each distinct value once: the
        // summary never holds a credential a log happened to record.
        let limit = LogSummary.topLimit
        s.topPaths = Aggregate.top(pathFailures, paths, limit: limit, masking: LogSecretMasking.path)
        let clientFailures = clientFails.map(\.count)
        let clientSuccesses = clients.valuesByID()
        let rankedClients = clients.ranked(by: clientFailures)
        s.topClients = rankedClients.prefix(limit).map {
            Tally(LogSecretMasking.address(clients.string($0)), clientFailures[Int($0)])
        }
        let userFailures = userFails.map(\.count)
        s.topUsers = Aggregate.top(userFailures, users, limit: limit, masking: LogSecretMasking.user)
        s.topUserAgents = Aggregate.top(agentFailures, agents, limit: limit, masking: LogSecretMasking.text)

        // (user, count) pairs grouped by client in one array (a counting sort): `tried[offsets[c]..<offsets[c + 1]]`
        var offsets = [Int](repeating: 0, count: clients.count + 1)
        for (k, _) in clientUser { offsets[Int(k >> 32) + 1] += 1 }
        for c in 0..<clients.count { offsets[c + 1] += offsets[c] }
        var tried = [(Int32, Int)](repeating: (0, 0), count: offsets[clients.count])
        var fill = offsets
        for (k, n) in clientUser {
            let c = Int(k >> 32)
            tried[fill[c]] = (Int32(truncatingIfNeeded: k & 0xFFFF_FFFF), n)
            fill[c] += 1
        }
        let users = self.users  // not `self` in the closure below: that would copy the whole aggregate
        // made (and masked) once, not once per client
        let userNames = (0..<users.count).map { LogSecretMasking.user(users.string(Int32($0))) }
        let triedUsers = tried
        let triedStart = offsets  // immutable copies for the concurrent slices below
        @Sendable func record(_ c: Int32) -> ClientRecord {
            let id = Int(c)
            let n = clientFailures[id]
            let range = triedStart[id]..<triedStart[id + 1]
            let names =
                range.count < 2
                ? Array(triedUsers[range])
                : triedUsers[range].sorted { $0.1 != $1.1 ? $0.1 > $1.1 : users.precedes($0.0, $1.0) }
            return ClientRecord(
                address: LogSecretMasking.address(clients.string(Int32(id))), failures: n,
                successes: Int(clientSuccesses[id] & Aggregate.successMask),
                firstFailure: clientFails[id].first, lastFailure: clientFails[id].last,
                peakFailures: Swift.max(clientFails[id].peak, Aggregate.peak(clientSeconds[id], window: burst)),
                burstWindow: burstWindow,
                usersTried: names.prefix(limit).map { userNames[Int($0.0)] }, distinctUsers: names.count)
        }
        // one record per client with a failed 401 (tens of thousands on a big log): built in slices on
        // the scan's threads, in rank order
        let slices = Swift.max(1, Swift.min(threads, rankedClients.count / 4096))
        let parts = Slots<[ClientRecord]>(count: slices, empty: [])
        DispatchQueue.concurrentPerform(iterations: slices) { k in
            let lo = rankedClients.count * k / slices
            let hi = rankedClients.count * (k + 1) / slices
            parts.set(k, rankedClients[lo..<hi].map(record))
        }
        s.clients = slices == 1 ? parts.get(0) : Array(parts.all.joined())
        var userRecords: [UserRecord] = []
        let userSuccesses = users.valuesByID()
        for u in users.ranked(by: userFailures) {
            let id = Int(u)
            let n = userFailures[id]
            userRecords.append(
                UserRecord(
                    name: userNames[id], failures: n, successes: Int(userSuccesses[id]),
                    firstFailure: userFails[id].first, lastFailure: userFails[id].last))
        }
        s.users = userRecords
    }
}

/// One result per concurrent iteration, each written by its own iteration only (so no lock is needed).
final class Slots<T>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<T>

    init(count: Int, empty: T) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: empty)
    }

    deinit {
        _ = storage.deinitialize()
        storage.deallocate()
    }

    func set(_ index: Int, _ value: T) { storage[index] = value }
    func get(_ index: Int) -> T { storage[index] }
    var all: [T] { Array(storage) }
}
