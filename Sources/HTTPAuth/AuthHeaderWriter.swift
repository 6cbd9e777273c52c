/// Serializes auth-params for an `Authorization` (or `Proxy-Authorization`) field value.
///
/// Why a dedicated writer: the difference between `realm=a b` and `realm="a b"`, or an unescaped
/// `"` inside a realm, is exactly the kind of defect this tool diagnoses in others — so what we
/// send must follow RFC 9110 §5.6.4 (quoted-string) and §5.6.2 (token) to the letter.
public enum AuthHeaderWriter {
    /// Why a value cannot be written at all.
    public enum WriteError: Error, Sendable, Hashable, CustomStringConvertible {
        /// CR, LF, NUL or another control character: RFC 9110 has no escape for them in a
        /// quoted-string, and sending them would split or corrupt the header.
        /// `parameter` names the field; the value itself is never echoed (it may be a secret).
        case controlCharacter(parameter: String, offset: Int)
        /// The parameter must be a token (unquoted) but the value has non-token characters.
        case notAToken(parameter: String)

        /// One sentence for an error message, naming the parameter but never echoing the value.
        public var description: String {
            switch self {
            case .controlCharacter(let parameter, let offset):
                """
                the value of \"\(parameter)\" has a control character at byte \(offset), which no header value can \
                carry
                """
            case .notAToken(let parameter):
                "the value of \"\(parameter)\" must be a token (RFC 9110 §5.6.2) but has characters a token cannot hold"
            }
        }
    }

    /// RFC 9110 §5.6.2 tchar.
    public static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// Whether `value` can be sent as a bare token (non-empty, only tchar).
    public static func isToken(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy(isTokenCharacter)
    }

    /// Offset of the first byte no quoted-string can carry (controls other than HTAB, and DEL).
    /// obs-text (bytes ≥ 0x80) is allowed by the grammar, so UTF-8 passes through.
    public static func firstUnquotableOffset(_ value: String) -> Int? {
        value.utf8.firstIndex(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F })
            .map { value.utf8.distance(from: value.utf8.startIndex, to: $0) }
    }

    /// `"…"` with `\` and `"` escaped as quoted-pairs (RFC 9110 §5.6.4).
    public static func quotedString(_ value: String, parameter: String = "value") throws(WriteError) -> String {
        if let offset = firstUnquotableOffset(value) {
            throw .controlCharacter(parameter: parameter, offset: offset)
        }
        var out = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(scalar)
        }
        out += "\""
        return out
    }

    /// One `name=value` or `name="value"` auth-param.
    public static func parameter(_ name: String, _ value: String, quoted: Bool) throws(WriteError) -> String {
        if quoted { return "\(name)=\(try quotedString(value, parameter: name))" }
        guard isToken(value) else { throw .notAToken(parameter: name) }
        return "\(name)=\(value)"
    }

    /// RFC 8187 ext-value with UTF-8: `UTF-8''J%C3%A4s%C3%B8n%20Doe`.
    /// Why: a quoted-string has no defined charset, so RFC 7616 §3.4 sends non-ASCII user names as
    /// `username*=` with this encoding. Only attr-char stays literal; everything else is %XX (upper case).
    public static func extValue(_ value: String) -> String {
        let attrChars = Set(Array("!#$&+-.^_`|~".utf8))
        let hex = Array("0123456789ABCDEF".utf8)
        var out = Array("UTF-8''".utf8)
        for byte in value.utf8 {
            let isAlnum =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            if isAlnum || attrChars.contains(byte) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `Scheme p1=v1, p2="v2"`: each parameter quoted when `wasQuoted` is true, as a token otherwise.
    /// A parameter with a nil value is skipped (credentials never carry bare names).
    public static func credentials(scheme: String, parameters: [AuthParameter]) throws(WriteError) -> String {
        var parts: [String] = []
        for parameter in parameters {
            guard let value = parameter.value else { continue }
            parts.append(try self.parameter(parameter.name, value, quoted: parameter.wasQuoted))
        }
        return parts.isEmpty ? scheme : "\(scheme) " + parts.joined(separator: ", ")
    }
}
