import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Name resolution the way the user's other tools see it.
///
/// Why getaddrinfo and not a DNS client: curl, browsers and the user's app all go through the
/// system resolver (hosts file, nsswitch, search domains), and a 401 that "only happens here"
/// must be reproduced with the same answer. Every address is returned so the plan can probe
/// each one: one bad backend behind round-robin DNS is a classic intermittent 401.
public enum Resolver {
    /// getaddrinfo (A and AAAA), in system order, deduplicated; error → `ProbeFailure.dnsFailed`.
    public static func resolve(host: String) async -> Result<[String], ProbeFailure> {
        await resolve(host: host, timeout: 30)
    }

    /// As `resolve(host:)`, giving up after `timeout` seconds. getaddrinfo cannot be cancelled, so
    /// the lookup runs on a pool thread and a slow one is abandoned (it finishes in the background).
    public static func resolve(host: String, timeout: Double) async -> Result<[String], ProbeFailure> {
        let box = OneShot<Result<[String], ProbeFailure>>()
        return await withCheckedContinuation { (cont: CheckedContinuation<Result<[String], ProbeFailure>, Never>) in
            box.set(cont)
            NIOThreadPool.singleton.submit { state in
                let result: Result<[String], ProbeFailure> =
                    state == .active ? lookup(host) : .failure(.dnsFailed(host: host, reason: "resolver unavailable"))
                box.resume(result)
            }
            let delay = TimeAmount.nanoseconds(Int64(max(0, timeout) * 1e9))
            MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: delay) {
                box.resume(.failure(.dnsFailed(host: host, reason: "timed out")))
            }
        }
    }

    /// True for an IPv4 or IPv6 literal (no lookup needed, and no SNI allowed for it).
    public static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        let bare = host.split(separator: "%", maxSplits: 1).first.map(String.init) ?? host
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, bare, &v6) == 1
    }

    static func lookup(_ host: String) -> Result<[String], ProbeFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
            hints.ai_socktype = SOCK_STREAM
        #else
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &list)
        guard rc == 0, let first = list else {
            let reason = rc == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(rc))
            return .failure(.dnsFailed(host: host, reason: reason))
        }
        defer { freeaddrinfo(list) }
        var seen = Set<String>()
        var out: [String] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let ai = node {
            if let sa = ai.pointee.ai_addr, let text = numericHost(sa, ai.pointee.ai_addrlen),
                seen.insert(text).inserted
            {
                out.append(text)
            }
            node = ai.pointee.ai_next
        }
        return out.isEmpty ? .failure(.dnsFailed(host: host, reason: "no addresses")) : .success(out)
    }

    private static func numericHost(_ sa: UnsafeMutablePointer<sockaddr>, _ len: socklen_t) -> String? {
        var buf = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        #if canImport(Darwin)
            let flags = NI_NUMERICHOST
        #else
            let flags = Int32(NI_NUMERICHOST)
        #endif
        guard getnameinfo(sa, len, &buf, socklen_t(buf.count), nil, 0, flags) == 0 else { return nil }
        return String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Resumes a continuation exactly once, from whichever of several racers gets there first.
final class OneShot<T: Sendable>: @unchecked Sendable {
    private struct State {
        var cont: CheckedContinuation<T, Never>?
        var pending: T?
        var done = false
    }
    private let state = Locked(State())

    func set(_ c: CheckedContinuation<T, Never>) {
        let early: T? = state.withLock { s in
            if let p = s.pending {
                s.pending = nil
                s.done = true
                return p
            }
            s.cont = c
            return nil
        }
        if let early { c.resume(returning: early) }
    }

    func resume(_ value: T) {
        let c: CheckedContinuation<T, Never>? = state.withLock { s in
            if s.done { return nil }
            if let c = s.cont {
                s.cont = nil
                s.done = true
                return c
            }
            if s.pending == nil { s.pending = value }
            return nil
        }
        c?.resume(returning: value)
    }
}

/// Reads a small text file without Foundation; nil if missing, unreadable or larger than `limit`.
func readSmallFile(_ path: String, limit: Int) -> String? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if n == 0 { break }
        data.append(contentsOf: chunk[0..<n])
        if data.count > limit { return nil }
    }
    return String(decoding: data, as: UTF8.self)
}
