/// Byte classes of RFC 9110 §5.6 that the auth-field scanner needs, plus a UTF-8 validator.
///
/// Plain `switch`/range checks on `UInt8`, no tables, no Foundation: the scanner looks at each byte
/// a constant number of times, and these checks are what it looks with.
enum AuthBytes {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let comma: UInt8 = 0x2C
    static let equals: UInt8 = 0x3D
    static let doubleQuote: UInt8 = 0x22
    static let singleQuote: UInt8 = 0x27
    static let backslash: UInt8 = 0x5C
    static let semicolon: UInt8 = 0x3B
    static let del: UInt8 = 0x7F

    static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab }

    /// CTLs other than HTAB, and DEL: never valid anywhere in an auth field except as quoted-pair
    /// (and even there only HTAB is allowed).
    static func isControl(_ b: UInt8) -> Bool { (b < 0x20 && b != tab) || b == del }

    static func isAlphaDigit(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    /// `tchar` (RFC 9110 §5.6.2).
    static func isTokenChar(_ b: UInt8) -> Bool {
        if isAlphaDigit(b) { return true }
        switch b {
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }

    /// The non-padding characters of `token68` (RFC 9110 §11.2): ALPHA DIGIT - . _ ~ + /
    static func isToken68Char(_ b: UInt8) -> Bool {
        if isAlphaDigit(b) { return true }
        switch b {
        case 0x2D, 0x2E, 0x5F, 0x7E, 0x2B, 0x2F: return true
        default: return false
        }
    }

    /// A byte the scanner accepts inside a "word" (a scheme, parameter name, token value or
    /// token68). Deliberately wider than `tchar`: `/`, `:`, `@`, non-ASCII… are taken into the word
    /// and reported afterwards, so one stray byte costs a deviation, not the rest of the field.
    /// The structural bytes `,` `=` `"` `;`, whitespace and controls end a word.
    static func isWordByte(_ b: UInt8) -> Bool {
        if b <= space || b == del { return false }
        switch b {
        case comma, equals, doubleQuote, semicolon: return false
        default: return true
        }
    }

    /// Start offsets of every ill-formed UTF-8 sequence (maximal subparts, as Unicode §3.9 counts
    /// them). One linear pass; the scanner's `decode` later shows the same bytes as U+FFFD.
    static func invalidUTF8Offsets(_ bytes: [UInt8], steps: inout Int) -> [Int] {
        var offsets: [Int] = []
        var i = 0
        let n = bytes.count
        while i < n {
            steps += 1
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            var need = 0
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF  // allowed range of the first continuation byte
            switch lead {
            case 0xC2...0xDF: need = 1
            case 0xE0:
                need = 2
                low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED:
                need = 2
                high = 0x9F
            case 0xF0:
                need = 3
                low = 0x90
            case 0xF1...0xF3: need = 3
            case 0xF4:
                need = 3
                high = 0x8F
            default: need = -1
            }
            if need < 0 {
                offsets.append(i)
                i += 1
                continue
            }
            var j = i + 1
            var ok = true
            for k in 0..<need {
                steps += 1
                guard j < n else {
                    ok = false
                    break
                }
                let c = bytes[j]
                let inRange = k == 0 ? (c >= low && c <= high) : (c >= 0x80 && c <= 0xBF)
                guard inRange else {
                    ok = false
                    break
                }
                j += 1
            }
            if !ok { offsets.append(i) }
            i = j
        }
        return offsets
    }
}
