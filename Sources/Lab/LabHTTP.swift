// The lab's request/response values and small HTTP helpers (no NIO here: the router is plain code).

import TextEscaping

/// Which listener a request came in on: the main origin or the second one (another port, hence
/// another origin, the target of the cross-origin redirect).
enum LabListener: Sendable {
    case main
    case second
}

struct LabRequest: Sendable {
    var method: String
    /// The request-target exactly as on the request line (`/digest/md5/?x=1`).
    var target: String
    var headers: [(name: String, value: String)]
    var listener: LabListener

    init(method: String, target: String, headers: [(name: String, value: String)], listener: LabListener = .main) {
        self.method = method
        self.target = target
        self.headers = headers
        self.listener = listener
    }

    /// The target without query or fragment.
    var path: String {
        let end = target.firstIndex(where: { $0 == "?" || $0 == "#" }) ?? target.endIndex
        return String(target[..<end])
    }

    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// Cookie pairs from every `Cookie` header, in order.
    var cookies: [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for header in headers where header.name.lowercased() == "cookie" {
            for pair in header.value.split(separator: ";") {
                let trimmed = pair.drop(while: { $0 == " " })
                guard let eq = trimmed.firstIndex(of: "=") else { continue }
                out.append((String(trimmed[..<eq]), String(trimmed[trimmed.index(after: eq)...])))
            }
        }
        return out
    }
}

struct LabResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Seconds added to the `Date` header (the clock-skew area's clock runs ahead).
    var dateOffset: Int = 0

    init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], dateOffset: Int = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.dateOffset = dateOffset
    }

    static func text(_ status: Int, _ text: String, headers: [(name: String, value: String)] = []) -> LabResponse {
        LabResponse(
            status: status, headers: [("Content-Type", "text/plain; charset=utf-8")] + headers, body: Array(text.utf8))
    }

    static func json(_ status: Int, _ json: String, headers: [(name: String, value: String)] = []) -> LabResponse {
        LabResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(json.utf8))
    }

    static func html(_ status: Int, _ html: String) -> LabResponse {
        LabResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(html.utf8))
    }

    func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    func hasHeader(_ name: String) -> Bool { header(name) != nil }
}

enum HTTPStatusText {
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 407: "Proxy Authentication Required"
        case 413: "Content Too Large"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        default: "Status \(status)"
        }
    }
}

/// The lab's own escapes; HTML text and JSON strings come from `TextEscaping` like everywhere else.
enum Escape {
    /// POSIX shell single quotes (see `ShellWord`).
    static func shell(_ text: String) -> String { ShellWord.quoted(text) }

    /// Text safe inside an RFC 6750 `error_description` (%x20-21 / %x23-5B / %x5D-7E).
    static func errorDescription(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.filter {
                    $0.value >= 0x20 && $0.value <= 0x7E && $0 != "\"" && $0 != "\\"
                }))
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
