import Evidence
import HTTPAuth

/// An HTTP Archive (HAR 1.2) as browsers (Chrome, Firefox, Safari, Edge), proxies (mitmproxy's
/// `hardump`, Charles, Fiddler) and Postman write it, reduced to what a diagnosis needs. Every
/// optional field may be missing; `_`-prefixed extras are ignored; `:authority`-style HTTP/2
/// pseudo-headers are dropped; header names keep their case (rules compare case-insensitively).
/// The values here are raw (they come from the user's file): they go to evidence only masked.
public struct HARFile: Sendable {
    /// The largest file read, in bytes. Larger files are refused before reading: the whole file is
    /// held once (for `--redact`'s byte-exact copy) plus one entry's tree at a time.
    public static let maxBytes = 256 * 1024 * 1024
    /// Bodies are kept to their first 64 KiB, as on the live check.
    public static let bodyLimit = 64 * 1024

    public var version: String
    public var creator: String?
    public var pageCount: Int
    public var entries: [HAREntry]

    /// Parses the bytes of a `.har` file. Errors are one line and never quote the file.
    public static func parse(_ bytes: [UInt8]) throws(HARError) -> HARFile {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in try parse(buffer, visit: nil) }
        } catch let error as HARError {
            throw error
        } catch {
            throw HARError("not a HAR file")
        }
    }

    /// Parses and calls `visit` with each entry's JSON tree (for redaction) as it is read.
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, visit: ((Int, HARJSON) -> Void)?) throws -> HARFile {
        if buffer.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw HARError("the file is empty")
        }
        var reader = HARJSONReader(buffer)
        // A UTF-8 byte order mark (Fiddler writes one).
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { reader.position = 3 }
        let first = try reader.peek()
        guard first == UInt8(ascii: "{") else {
            if first == UInt8(ascii: "[") || first == UInt8(ascii: "\"") || (first >= 0x30 && first <= 0x39)
                || first == UInt8(ascii: "-")
                || first == UInt8(ascii: "t") || first == UInt8(ascii: "f") || first == UInt8(ascii: "n")
            {
                throw HARError("not a HAR file: the JSON is not an object with a \"log\"")
            }
            throw HARError("not a HAR file: not JSON (the first byte is not '{')")
        }
        var file = HARFile(version: "", creator: nil, pageCount: 0, entries: [])
        var sawLog = false
        var sawEntries = false
        try reader.object { key, reader in
            guard key == "log", try reader.peek() == UInt8(ascii: "{") else {
                _ = try reader.value()
                return
            }
            sawLog = true
            try reader.object { key, reader in
                switch key {
                case "version": file.version = try reader.value().string ?? ""
                case "creator":
                    let creator = try reader.value()
                    file.creator = [creator["name"]?.string, creator["version"]?.string].compactMap { $0 }.joined(
                        separator: " ")
                case "pages": file.pageCount = try reader.value().array?.count ?? 0
                case "entries":
                    guard try reader.peek() == UInt8(ascii: "[") else {
                        throw HARError("not a HAR file: log.entries is not an array")
                    }
                    sawEntries = true
                    try reader.array { reader in
                        let index = file.entries.count
                        let tree = try reader.value()
                        guard tree.isObject else {
                            throw HARError("not a HAR file: log.entries[\(index)] is not an object")
                        }
                        visit?(index, tree)
                        file.entries.append(HAREntry(index: index, tree))
                    }
                default: _ = try reader.value()
                }
            }
        }
        reader.skipWhitespace()
        guard reader.atEnd else { throw HARError("not valid JSON: more data after the end at byte \(reader.position)") }
        guard sawLog else { throw HARError("not a HAR file: the JSON has no \"log\" object") }
        guard sawEntries else { throw HARError("not a HAR file: log.entries is missing") }
        // HAR 1.1 and 1.2 share every field read here; anything else is another format.
        let known = ["", "1.1", "1.2"]
        guard known.contains(file.version) else {
            let shown =
                file.version.count <= 10 && file.version.allSatisfy({ $0.isNumber || $0 == "." }) ? file.version : "?"
            throw HARError("unsupported HAR version \(shown) (why401 reads HAR 1.1 and 1.2)")
        }
        return file
    }
}

/// One request/response pair of `log.entries`.
public struct HAREntry: Sendable {
    public struct Cookie: Sendable, Hashable {
        public var name: String
        public var value: String
        public var path: String?
        public var domain: String?
        /// Seconds since the epoch, nil for a session cookie.
        public var expires: Double?
        public var secure: Bool
        public var httpOnly: Bool
        public var sameSite: String?
    }

    public struct Parameter: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    /// 0-based position in `log.entries`.
    public var index: Int
    /// `startedDateTime`, seconds since the epoch.
    public var started: Double?
    public var method: String
    public var url: String
    public var httpVersion: String?
    /// Request headers, raw, pseudo-headers (`:authority`) dropped.
    public var requestHeaders: [HeaderField]
    public var requestCookies: [Cookie]
    public var queryString: [Parameter]
    public var postMimeType: String?
    public var postText: String?
    public var postParams: [Parameter]
    /// 0 when the browser got no response (blocked, aborted, CORS failure).
    public var status: Int
    public var responseHeaders: [HeaderField]
    public var responseCookies: [Cookie]
    public var redirectURL: String?
    /// The first 64 KiB of the response body, base64 decoded where the producer encoded it.
    public var body: [UInt8]
    public var serverIP: String?
    public var milliseconds: Double?
    /// Chrome's `_error`/Firefox's status text for a request that got no response.
    public var failure: String?

    init(index: Int, _ tree: HARJSON) {
        self.index = index
        started = tree["startedDateTime"]?.string.flatMap(ISO8601.parse)
        let request = tree["request"]
        let response = tree["response"]
        method = (request?["method"]?.string ?? "GET").uppercased()
        url = request?["url"]?.string ?? ""
        httpVersion = request?["httpVersion"]?.string ?? response?["httpVersion"]?.string
        requestHeaders = Self.headers(request?["headers"])
        requestCookies = Self.cookies(request?["cookies"])
        queryString = Self.parameters(request?["queryString"])
        let post = request?["postData"]
        postMimeType = post?["mimeType"]?.string
        postText = post?["text"]?.string
        postParams = Self.parameters(post?["params"])
        status = response?["status"]?.number.flatMap { $0.isFinite && $0 >= 0 && $0 < 1000 ? Int($0) : nil } ?? 0
        responseHeaders = Self.headers(response?["headers"])
        responseCookies = Self.cookies(response?["cookies"])
        redirectURL = response?["redirectURL"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let content = response?["content"]
        if let text = content?["text"]?.string {
            if content?["encoding"]?.string?.lowercased() == "base64" {
                body = Array((Base64.decode(String(text.prefix(Self.base64Limit))) ?? []).prefix(HARFile.bodyLimit))
            } else {
                body = Array(text.utf8.prefix(HARFile.bodyLimit))
            }
        } else {
            body = []
        }
        serverIP = tree["serverIPAddress"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        milliseconds = tree["time"]?.number.flatMap { $0 >= 0 ? $0 : nil }
        failure =
            tree["_error"]?.string
            ?? (status == 0 ? "no response recorded (status 0: blocked, aborted or failed)" : nil)
    }

    static let base64Limit = (HARFile.bodyLimit / 3 + 1) * 4

    static func headers(_ value: HARJSON?) -> [HeaderField] {
        (value?.array ?? []).flatMap { item -> [HeaderField] in
            guard let name = item["name"]?.string, !name.isEmpty, !name.hasPrefix(":") else { return [] }
            let value = item["value"]?.string ?? ""
            // Chrome joins several Set-Cookie lines into one value with newlines: one field each.
            if name.lowercased() == "set-cookie" && value.contains(where: \.isNewline) {
                return value.split(whereSeparator: \.isNewline).map { HeaderField(name, String($0)) }
            }
            return [HeaderField(name, value)]
        }
    }

    static func parameters(_ value: HARJSON?) -> [Parameter] {
        (value?.array ?? []).compactMap { item in
            guard let name = item["name"]?.string else { return nil }
            return Parameter(name: name, value: item["value"]?.string ?? "")
        }
    }

    static func cookies(_ value: HARJSON?) -> [Cookie] {
        (value?.array ?? []).compactMap { item in
            guard let name = item["name"]?.string else { return nil }
            return Cookie(
                name: name, value: item["value"]?.string ?? "", path: item["path"]?.string,
                domain: item["domain"]?.string,
                expires: item["expires"]?.string.flatMap(ISO8601.parse), secure: item["secure"]?.bool ?? false,
                httpOnly: item["httpOnly"]?.bool ?? false, sameSite: item["sameSite"]?.string)
        }
    }

    /// The exchange as evidence: header values masked, the URL masked.
    public var exchange: Exchange {
        Exchange(
            request: RecordedRequest(method: method, url: url, headers: requestHeaders),
            response: status == 0 ? nil : RecordedResponse(status: status, headers: responseHeaders, bodyPrefix: body),
            peer: serverIP, milliseconds: milliseconds, purpose: "entry \(index)",
            httpVersion: httpVersion.flatMap(Self.version),
            failure: status == 0 ? (failure.map { Self.oneLine($0) } ?? "no response") : nil)
    }

    /// `http/2.0`, `h2`, `HTTP/2.0` → `HTTP/2`; `http/1.1` → `HTTP/1.1`; anything else (h3, "unknown") is not reported.
    static func version(_ text: String) -> String? {
        switch text.lowercased() {
        case "http/2", "http/2.0", "h2", "h2c": "HTTP/2"
        case "http/1.1": "HTTP/1.1"
        case "http/1.0": "HTTP/1.0"
        default: nil
        }
    }

    static func oneLine(_ text: String) -> String {
        String(text.split(whereSeparator: \.isNewline).first ?? "").prefix(200).description
    }

    public func requestHeader(_ name: String) -> String? { requestHeaders.first(name) }
    public func responseHeader(_ name: String) -> String? { responseHeaders.first(name) }
}

/// ISO 8601 date-times as HAR producers write them: `2026-12-06T06:26:03.123Z`, `…+01:00`, `…+0100`.
public enum ISO8601 {
    public static func parse(_ text: String) -> Double? {
        let b = Array(text.utf8)
        func int(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let year = int(0, 4), let month = int(5, 2), let day = int(8, 2), b.count >= 19, b[4] == 0x2D,
            b[7] == 0x2D,
            b[10] == UInt8(ascii: "T") || b[10] == 0x20, let hour = int(11, 2), let minute = int(14, 2),
            let second = int(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                fraction += Double(b[i] - 0x30) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                guard let h = int(i + 1, 2) else { return nil }
                let m = (i + 3 < b.count && b[i + 3] == UInt8(ascii: ":")) ? int(i + 4, 2) : int(i + 3, 2)
                offset = sign * (h * 3600 + (m ?? 0) * 60)
            }
        }
        let days = HTTPDate.daysFromCivil(year, month, day)
        return Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }
}
