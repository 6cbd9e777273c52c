/// The small text forms several modules write — JSON string literals and HTML text here, shell
/// words (`ShellWord`), file modes and time spans (`Figures`) beside — in one place below all of
/// them (rules, report renderers, the lab's pages, the HAR redactor), so what counts as "safe" and
/// how a figure reads is decided once.

/// RFC 8259 §7 JSON string literals.
public enum JSONString {
    /// Appends `"text"` to `out`: quote, backslash, controls, DEL and U+2028/U+2029 escaped;
    /// other non-ASCII passes through as UTF-8.
    public static func append(_ text: String, to out: inout String) {
        out += "\""
        // Most strings need no escape: appended whole instead of scalar by scalar (a logs report
        // carries thousands of addresses and paths).
        if !needsEscape(text) {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20 || c.value == 0x7F || c.value == 0x2028 || c.value == 0x2029:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// `"text"` as a JSON string literal.
    public static func literal(_ text: String) -> String {
        var out = ""
        append(text, to: &out)
        return out
    }

    /// Whether `append` must escape anything: a quote, a backslash, a control character, DEL, or
    /// U+2028/U+2029 (UTF-8 `E2 80 A8`/`E2 80 A9`, line breaks to JavaScript).
    public static func needsEscape(_ text: String) -> Bool {
        var afterE2 = 0
        for byte in text.utf8 {
            if byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F { return true }
            if afterE2 == 2 && (byte == 0xA8 || byte == 0xA9) { return true }
            afterE2 = byte == 0xE2 ? 1 : (afterE2 == 1 && byte == 0x80 ? 2 : 0)
        }
        return false
    }
}

/// HTML text and attribute values.
public enum HTMLText {
    /// `&<>"'` as character references.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
