// HTTPProbe: a tiny HTTP/1.1 client over POSIX sockets, for the tests themselves.
//
// Sends exactly the headers given (plus Host, Connection: close and, with a body, Content-Length,
// unless the caller supplies them), reads to EOF with a timeout, keeps response headers in order
// with repeats, and decodes a chunked body. No redirects, no auth retries, no cookies: raw wire.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

public struct HTTPResponse: Sendable, CustomStringConvertible {
    public var status: Int
    public var reason: String
    public var httpVersion: String
    /// In wire order, repeats kept, names as sent by the server.
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// Status line + header lines as received (CRLF separated, without the blank line).
    public var rawHead: String

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// First value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// All values of header `name` (case-insensitive), in order.
    public func headers(named name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    public var description: String { rawHead + "\r\n\r\n" + bodyText }
}

public enum HTTPProbeError: Error, CustomStringConvertible {
    case badURL(String)
    case resolve(String)
    case connect(String)
    case io(String)
    case timeout(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .badURL(let s): "bad URL: \(s)"
        case .resolve(let s): "cannot resolve \(s)"
        case .connect(let s): "connect failed: \(s)"
        case .io(let s): "I/O error: \(s)"
        case .timeout(let s): "timed out: \(s)"
        case .malformed(let s): "malformed response: \(s)"
        }
    }
}

public enum HTTPProbe {
    /// GET `url` (http:// only) with `headers` in the given order.
    public static func get(_ url: String, headers: [(String, String)] = [], timeout: TimeInterval = 10) throws
        -> HTTPResponse
    {
        try request("GET", url, headers: headers, timeout: timeout)
    }

    /// Any method; `body` is sent with a Content-Length.
    public static func request(
        _ method: String, _ url: String, headers: [(String, String)] = [], body: Data? = nil, timeout: TimeInterval = 10
    ) throws -> HTTPResponse {
        guard let u = URL(string: url), u.scheme?.lowercased() == "http", let host = u.host else {
            throw HTTPProbeError.badURL(url)
        }
        let port = UInt16(u.port ?? 80)
        var target = u.path.isEmpty ? "/" : u.path
        // URL.path decodes percent-escapes; keep the request target as written.
        if let comps = URLComponents(string: url) {
            target = comps.percentEncodedPath.isEmpty ? "/" : comps.percentEncodedPath
            if let q = comps.percentEncodedQuery { target += "?" + q }
        }
        let has = { (n: String) in headers.contains { $0.0.caseInsensitiveCompare(n) == .orderedSame } }
        var head = "\(method) \(target) HTTP/1.1\r\n"
        if !has("Host") { head += "Host: \(host)\(u.port.map { ":\($0)" } ?? "")\r\n" }
        for (n, v) in headers { head += "\(n): \(v)\r\n" }
        if !has("Connection") { head += "Connection: close\r\n" }
        if let body, !has("Content-Length") { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var out = Data(head.utf8)
        if let body { out.append(body) }

        let fd = try connectTCP(host: host, port: port, timeout: timeout)
        defer { close(fd) }
        try sendAll(fd, out)
        let raw = try readToEOF(fd, timeout: timeout, url: url)
        return try parse(raw, headRequest: method.uppercased() == "HEAD")
    }

    /// `("Authorization", "Basic base64(user:password)")`.
    public static func basic(user: String, password: String) -> (String, String) {
        ("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
    }

    // MARK: - internals

    static func connectTCP(host: String, port: UInt16, timeout: TimeInterval) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        let h = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        guard getaddrinfo(h, String(port), &hints, &res) == 0, let first = res else {
            throw HTTPProbeError.resolve(host)
        }
        defer { freeaddrinfo(res) }
        var lastError = "no address"
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            let fd = socket(
                a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            if fd >= 0 {
                var tv = timeval()
                tv.tv_sec = .init(timeout)
                tv.tv_usec = .init((timeout - floor(timeout)) * 1_000_000)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                if connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { return fd }
                lastError = "\(host):\(port): \(String(cString: strerror(errno)))"
                close(fd)
            }
            ai = a.pointee.ai_next
        }
        throw HTTPProbeError.connect(lastError)
    }

    static func sendAll(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            guard var p = raw.baseAddress else { return }
            var left = raw.count
            while left > 0 {
                let w = send(fd, p, left, Int32(MSG_NOSIGNAL))
                if w < 0 {
                    if errno == EINTR { continue }
                    throw HTTPProbeError.io("send: \(String(cString: strerror(errno)))")
                }
                left -= w
                p = p.advanced(by: w)
            }
        }
    }

    static func readToEOF(_ fd: Int32, timeout: TimeInterval, url: String) throws -> Data {
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                data.append(contentsOf: buf[0..<n])
                continue
            }
            if n == 0 { return data }
            if errno == EINTR { continue }
            if errno == ECONNRESET, !data.isEmpty { return data }
            if errno == EAGAIN || errno == EWOULDBLOCK || Date() >= deadline {
                throw HTTPProbeError.timeout(
                    "no complete response from \(url) within \(timeout) s (\(data.count) bytes read)")
            }
            throw HTTPProbeError.io("recv: \(String(cString: strerror(errno)))")
        }
    }

    static func parse(_ raw: Data, headRequest: Bool) throws -> HTTPResponse {
        let sep = Data("\r\n\r\n".utf8)
        guard let r = raw.range(of: sep) else {
            throw HTTPProbeError.malformed(
                "no end of headers in \(raw.count) bytes: \(String(decoding: raw.prefix(200), as: UTF8.self))")
        }
        let head = String(decoding: raw[raw.startIndex..<r.lowerBound], as: UTF8.self)
        var bodyData = Data(raw[r.upperBound...])
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPProbeError.malformed("status line \(lines[0])")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var response = HTTPResponse(
            status: status, reason: statusParts.count > 2 ? String(statusParts[2]) : "",
            httpVersion: String(statusParts[0]), headers: headers, body: Data(), rawHead: head)
        if headRequest || status == 204 || status == 304 || (100..<200).contains(status) {
            bodyData = Data()
        } else if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            bodyData = try dechunk(bodyData)
        } else if let cl = response.header("Content-Length").flatMap(Int.init), cl <= bodyData.count {
            bodyData = bodyData.prefix(cl)
        }
        response.body = bodyData
        return response
    }

    static func dechunk(_ data: Data) throws -> Data {
        var out = Data()
        var i = data.startIndex
        let crlf = Data("\r\n".utf8)
        while i < data.endIndex {
            guard let lineEnd = data.range(of: crlf, in: i..<data.endIndex) else {
                throw HTTPProbeError.malformed("chunk size line")
            }
            let sizeText =
                String(decoding: data[i..<lineEnd.lowerBound], as: UTF8.self)
                .split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16) else { throw HTTPProbeError.malformed("chunk size \(sizeText)") }
            i = lineEnd.upperBound
            if size == 0 { break }
            guard data.distance(from: i, to: data.endIndex) >= size else {
                throw HTTPProbeError.malformed("truncated chunk")
            }
            let end = data.index(i, offsetBy: size)
            out.append(data[i..<end])
            i = min(data.index(end, offsetBy: 2, limitedBy: data.endIndex) ?? data.endIndex, data.endIndex)
        }
        return out
    }
}
