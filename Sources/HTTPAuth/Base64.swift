/// Standard base64 (RFC 4648 §4) and base64url (§5), written here because Basic credentials need
/// byte-exact error reporting (where the bad character is) that Foundation's decoder does not give.
public enum Base64 {
    private static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes bytes as base64 (or base64url with `url: true`), with or without `=` padding: the Basic token68 and the
    /// JWT segments both come from here.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes, url: Bool = false, padding: Bool = true) -> String
    where Bytes.Element == UInt8 {
        let alphabet = url ? urlAlphabet : standardAlphabet
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < input.count {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out += [
                alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)],
                alphabet[Int(n & 63)],
            ]
            i += 3
        }
        let rest = input.count - i
        if rest == 1 {
            let n = UInt32(input[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
            if padding { out += Array("==".utf8) }
        } else if rest == 2 {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
            if padding { out += Array("=".utf8) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Why a base64 text did not decode.
    public struct DecodingError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Byte offset of the first offending character (or the length, for a bad length).
        public var offset: Int
        /// What is wrong at `offset`, as a sentence (`"'*' is not a base64 character"`); never the decoded bytes.
        public var reason: String
        /// `byte N: reason`, for messages and evidence lines.
        public var description: String { "byte \(offset): \(reason)" }
    }

    /// Decodes base64 (or base64url with `url: true`); padding optional unless `requirePadding`.
    public static func decodeReportingError(_ text: String, url: Bool = false, requirePadding: Bool = false) -> Result<
        [UInt8], DecodingError
    > {
        let bytes = Array(text.utf8)
        var values: [UInt8] = []
        values.reserveCapacity(bytes.count)
        var paddingStart: Int? = nil
        for (offset, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "=") {
                if paddingStart == nil { paddingStart = offset }
                continue
            }
            if paddingStart != nil {
                return .failure(DecodingError(offset: offset, reason: "data after '=' padding"))
            }
            guard let value = sextet(byte, url: url) else {
                let shown =
                    byte >= 0x21 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : String(format0x: byte)
                return .failure(
                    DecodingError(offset: offset, reason: "\(shown) is not a base64\(url ? "url" : "") character"))
            }
            values.append(value)
        }
        let padCount = paddingStart.map { bytes.count - $0 } ?? 0
        if padCount > 2 || (padCount > 0 && (values.count + padCount) % 4 != 0) {
            return .failure(DecodingError(offset: paddingStart ?? bytes.count, reason: "wrong amount of '=' padding"))
        }
        if values.count % 4 == 1 {
            return .failure(
                DecodingError(offset: bytes.count, reason: "length \(bytes.count) is not a valid base64 length"))
        }
        if requirePadding && padCount == 0 && values.count % 4 != 0 {
            return .failure(DecodingError(offset: bytes.count, reason: "missing '=' padding"))
        }
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 3 / 4)
        var i = 0
        while i + 3 < values.count {
            let n =
                UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12 | UInt32(values[i + 2]) << 6
                | UInt32(values[i + 3])
            out += [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            i += 4
        }
        let rest = values.count - i
        if rest == 2 {
            let n = UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12
            out.append(UInt8(n >> 16 & 0xFF))
        } else if rest == 3 {
            let n = UInt32(values[i]) << 18 | UInt32(values[i + 1]) << 12 | UInt32(values[i + 2]) << 6
            out += [UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF)]
        }
        return .success(out)
    }

    /// Decodes, or nil on any error.
    public static func decode(_ text: String, url: Bool = false) -> [UInt8]? {
        try? decodeReportingError(text, url: url).get()
    }

    private static func sextet(_ byte: UInt8, url: Bool) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where !url: 62
        case UInt8(ascii: "/") where !url: 63
        case UInt8(ascii: "-") where url: 62
        case UInt8(ascii: "_") where url: 63
        default: nil
        }
    }
}

extension String {
    /// `0x0A`-style rendering of a byte, for error messages about invisible characters.
    init(format0x byte: UInt8) {
        let digits = Array("0123456789ABCDEF")
        self = "0x" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
    }
}
