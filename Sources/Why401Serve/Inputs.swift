import Foundation
import Hummingbird
import NIOCore

// The bodies the server takes — JSON for the API, forms for the page — read into the inputs of
// `Diagnose`. An unknown JSON field is refused (a misspelt "pasword" must not silently check without
// the password); a value is never quoted back in a message.

/// A coding key for any name (to list the keys a JSON object holds).
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Refuses a JSON object holding a key not in `allowed`.
    func requireOnly(_ allowed: [String]) throws {
        let container = try self.container(keyedBy: AnyKey.self)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            let name = String(key.stringValue.oneLine.prefix(40))
            throw Refusal.badRequest("unknown field '\(name)' (this endpoint takes \(allowed.joined(separator: ", ")))")
        }
    }
}

/// `POST /api/v1/check`.
struct CheckBody: Decodable {
    var input: CheckInput

    enum Key: String, CodingKey { case url, user, password, bearer, headers, method, digest }

    init(from decoder: any Decoder) throws {
        try decoder.requireOnly(["url", "user", "password", "bearer", "headers", "method", "digest"])
        let c = try decoder.container(keyedBy: Key.self)
        input = CheckInput(url: try c.decode(String.self, forKey: .url))
        input.user = try c.decodeIfPresent(String.self, forKey: .user)
        input.password = try c.decodeIfPresent(String.self, forKey: .password)
        input.bearer = try c.decodeIfPresent(String.self, forKey: .bearer)
        input.method = try c.decodeIfPresent(String.self, forKey: .method)
        input.digest = try c.decodeIfPresent(Bool.self, forKey: .digest) ?? false
        for pair in try c.decodeIfPresent([[String]].self, forKey: .headers) ?? [] {
            guard pair.count == 2 else { throw Refusal.badRequest("headers: each header is [\"Name\", \"value\"]") }
            input.headers.append((pair[0], pair[1]))
        }
    }
}

/// `POST /api/v1/curl`.
struct CurlBody: Decodable {
    var command: String
    enum Key: String, CodingKey { case command }
    init(from decoder: any Decoder) throws {
        try decoder.requireOnly(["command"])
        command = try decoder.container(keyedBy: Key.self).decode(String.self, forKey: .command)
    }
}

/// `POST /api/v1/jwt`.
struct TokenBody: Decodable {
    var input: TokenInput
    enum Key: String, CodingKey { case token, secret, jwks, audience, issuer }
    init(from decoder: any Decoder) throws {
        try decoder.requireOnly(["token", "secret", "jwks", "audience", "issuer"])
        let c = try decoder.container(keyedBy: Key.self)
        input = TokenInput(
            token: try c.decode(String.self, forKey: .token),
            secret: try c.decodeIfPresent(String.self, forKey: .secret),
            jwks: try c.decodeIfPresent(String.self, forKey: .jwks),
            audience: try c.decodeIfPresent(String.self, forKey: .audience),
            issuer: try c.decodeIfPresent(String.self, forKey: .issuer))
    }
}

/// `POST /api/v1/challenge`.
struct ChallengeBody: Decodable {
    var input: ChallengeInput
    enum Key: String, CodingKey { case headers, proxy, status }
    init(from decoder: any Decoder) throws {
        try decoder.requireOnly(["headers", "proxy", "status"])
        let c = try decoder.container(keyedBy: Key.self)
        input = ChallengeInput(
            headers: try c.decode([String].self, forKey: .headers).map { Array($0.utf8) },
            proxy: try c.decodeIfPresent(Bool.self, forKey: .proxy) ?? false,
            status: try c.decodeIfPresent(Int.self, forKey: .status))
    }
}

enum Inputs {
    /// The body, refused with 413 beyond `limit` — by its Content-Length before reading, or while
    /// reading one sent in chunks.
    static func body(of request: Request, limit: Int) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw Refusal.tooLarge(limit: limit)
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw Refusal.tooLarge(limit: limit)
        }
    }

    /// A JSON body as `T`, with a one-line reason for anything else.
    static func json<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let refusal as Refusal {
            throw refusal
        } catch let error as DecodingError {
            throw Refusal.badRequest(reason(error))
        } catch {
            throw Refusal.badRequest("the body is not valid JSON")
        }
    }

    static func reason(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "field '\(path(context.codingPath + [key]))' is required"
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            if context.codingPath.isEmpty { return "the body must be a JSON object" }
            let expected =
                type == String.self
                ? "a string" : type == Bool.self ? "true or false" : type == Int.self ? "an integer" : "another type"
            return "field '\(path(context.codingPath))' must be \(expected)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "the body is not valid JSON" : "field '\(path(context.codingPath))' is not valid"
        @unknown default:
            return "the body is not what this endpoint takes"
        }
    }

    /// An `application/x-www-form-urlencoded` body as name → value (the last of repeated names).
    static func form(_ bytes: [UInt8]) throws -> [String: String] {
        var fields: [String: String] = [:]
        for pair in bytes.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecoded(parts[0]) else {
                throw Refusal.badRequest("the form is not valid application/x-www-form-urlencoded")
            }
            guard let value = parts.count > 1 ? percentDecoded(parts[1]) : "" else {
                throw Refusal.badRequest("form field '\(name.oneLine.prefix(40))' is not valid percent-encoding")
            }
            fields[name] = value
        }
        return fields
    }

    /// `+` is a space, `%XX` a byte; nil for a broken escape.
    static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2])
                else { return nil }
                out.append(high << 4 | low)
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One part of a `multipart/form-data` body (RFC 7578).
    struct Part {
        var name: String
        var filename: String?
        var content: ArraySlice<UInt8>
    }

    /// The parts of a `multipart/form-data` body, given the request's Content-Type.
    static func multipart(_ body: [UInt8], contentType: String) throws -> [Part] {
        let bad = Refusal.badRequest("the upload is not valid multipart/form-data")
        guard let boundary = parameter("boundary", in: contentType), !boundary.isEmpty, boundary.utf8.count <= 200
        else { throw bad }
        let delimiter = Array("--\(boundary)".utf8)
        let crlf: [UInt8] = [13, 10]
        var parts: [Part] = []
        guard var start = find(delimiter, in: body, from: 0) else { throw bad }
        while true {
            var cursor = start + delimiter.count
            // "--" after a delimiter ends the body.
            if body.count >= cursor + 2, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") {
                return parts
            }
            guard let lineEnd = find(crlf, in: body, from: cursor) else { throw bad }
            cursor = lineEnd + 2
            guard let headersEnd = find(crlf + crlf, in: body, from: cursor) else { throw bad }
            let headerText = String(decoding: body[cursor..<headersEnd], as: UTF8.self)
            let contentStart = headersEnd + 4
            guard let next = find(crlf + delimiter, in: body, from: contentStart) else { throw bad }
            var name: String?
            var filename: String?
            for line in headerText.split(separator: "\r\n") {
                let lower = line.lowercased()
                guard lower.hasPrefix("content-disposition:") else { continue }
                let value = String(line.dropFirst("content-disposition:".count))
                name = parameter("name", in: value)
                filename = parameter("filename", in: value)
            }
            guard let name else { throw bad }
            parts.append(Part(name: name, filename: filename, content: body[contentStart..<next]))
            if parts.count > 32 { throw bad }
            start = next + 2
        }
    }

    /// A `;`-separated parameter's value (quoted or not) from a header value.
    static func parameter(_ wanted: String, in value: String) -> String? {
        for piece in value.split(separator: ";") {
            let trimmed = piece.drop { $0 == " " || $0 == "\t" }
            guard let eq = trimmed.firstIndex(of: "=") else { continue }
            guard trimmed[..<eq].lowercased() == wanted else { continue }
            var v = trimmed[trimmed.index(after: eq)...]
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = v.dropFirst().dropLast() }
            return String(v)
        }
        return nil
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = from
        let last = haystack.count - needle.count
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                while index <= last {
                    if hay[index] == first {
                        var matched = true
                        for offset in 1..<pin.count where hay[index + offset] != pin[offset] {
                            matched = false
                            break
                        }
                        if matched { return index }
                    }
                    index += 1
                }
                return nil
            }
        }
    }
}
