import TextEscaping

/// A small JSON reader for HAR files. It keeps, for every string, the byte range of its literal in
/// the file, so `--redact` can replace exactly those literals and copy every other byte unchanged.
/// `log.entries` is handed out one entry at a time (`HARJSONReader.walk`), so the parsed tree of the
/// whole file never exists at once. Errors carry byte offsets only, never file content (a HAR holds secrets).

/// One parsed JSON value. Objects keep their key order and repeats.
public indirect enum HARJSON: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    /// The decoded text and the byte range of the literal, quotes included.
    case string(String, Range<Int>)
    case array([HARJSON])
    case object([(String, HARJSON)])

    public subscript(key: String) -> HARJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var string: String? {
        if case .string(let text, _) = self { return text }
        return nil
    }

    public var stringRange: Range<Int>? {
        if case .string(_, let range) = self { return range }
        return nil
    }

    public var number: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var array: [HARJSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var members: [(String, HARJSON)]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var isObject: Bool { members != nil }
}

/// Why a file could not be read as a HAR: one line, no content from the file.
public struct HARError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Pull parser over the file's bytes.
struct HARJSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0
    static let maxDepth = 256

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func truncated(_ inside: String) -> HARError {
        HARError("the file ends in the middle of \(inside) (truncated at byte \(bytes.count))")
    }

    func unexpected(_ expected: String) -> HARError {
        guard position < bytes.count else { return truncated("the JSON") }
        return HARError("not valid JSON: expected \(expected) at byte \(position)")
    }

    mutating func peek() throws -> UInt8 {
        skipWhitespace()
        guard position < bytes.count else { throw truncated("the JSON") }
        return bytes[position]
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard try peek() == byte else { throw unexpected(what) }
        position += 1
    }

    mutating func value() throws -> HARJSON {
        switch try peek() {
        case UInt8(ascii: "{"):
            var members: [(String, HARJSON)] = []
            try object { key, reader in members.append((key, try reader.value())) }
            return .object(members)
        case UInt8(ascii: "["):
            var items: [HARJSON] = []
            try array { reader in items.append(try reader.value()) }
            return .array(items)
        case UInt8(ascii: "\""):
            let start = position
            let text = try string()
            return .string(text, start..<position)
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return .number(try number())
        }
    }

    /// Calls `member` for each key with the reader positioned at its value, which it must consume.
    mutating func object(_ member: (String, inout HARJSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "{"), "an object")
        depth += 1
        guard depth <= Self.maxDepth else {
            throw HARError("not a HAR: JSON nested deeper than \(Self.maxDepth) levels")
        }
        defer { depth -= 1 }
        if try peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            guard try peek() == UInt8(ascii: "\"") else { throw unexpected("a member name") }
            let key = try string()
            try expect(UInt8(ascii: ":"), "':'")
            try member(key, &self)
            let next = try peek()
            position += 1
            if next == UInt8(ascii: "}") { return }
            guard next == UInt8(ascii: ",") else {
                position -= 1
                throw unexpected("',' or '}'")
            }
        }
    }

    /// Calls `element` for each element with the reader positioned at it, which it must consume.
    mutating func array(_ element: (inout HARJSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["), "an array")
        depth += 1
        guard depth <= Self.maxDepth else {
            throw HARError("not a HAR: JSON nested deeper than \(Self.maxDepth) levels")
        }
        defer { depth -= 1 }
        if try peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            try element(&self)
            let next = try peek()
            position += 1
            if next == UInt8(ascii: "]") { return }
            guard next == UInt8(ascii: ",") else {
                position -= 1
                throw unexpected("',' or ']'")
            }
        }
    }

    mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        let count = expected.count
        guard position + count <= bytes.count else { throw truncated("the JSON") }
        let ok = (0..<count).allSatisfy { bytes[position + $0] == expected[$0] }
        guard ok else { throw unexpected("a JSON value") }
        position += count
    }

    mutating func number() throws -> Double {
        let start = position
        while position < bytes.count, "+-0123456789.eE".utf8.contains(bytes[position]) { position += 1 }
        guard position > start, position - start < 64,
            let n = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))
        else {
            position = start
            throw unexpected("a JSON value")
        }
        return n
    }

    mutating func string() throws -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw HARError("not valid JSON: a control character inside a string at byte \(position)") }
            position += 1
        }
        guard position < bytes.count else { throw truncated("a string") }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: out, as: UTF8.self)
            }
            if b < 0x20 { throw HARError("not valid JSON: a control character inside a string at byte \(position)") }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                position += 1
                continue
            }
            guard position + 1 < bytes.count else { throw truncated("a string") }
            let e = bytes[position + 1]
            position += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), position + 1 < bytes.count,
                    bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                {
                    position += 2
                    let low = try hex4()
                    scalar =
                        (0xDC00..<0xE000).contains(low) ? 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
            default: throw HARError("not valid JSON: a bad escape in a string at byte \(position - 2)")
            }
        }
        throw truncated("a string")
    }

    mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw truncated("a string") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw HARError("not valid JSON: a bad \\u escape at byte \(position)")
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }
}

/// JSON string literal for `text` (for the redacted copy).
func jsonStringLiteral(_ text: String) -> String { JSONString.literal(text) }
