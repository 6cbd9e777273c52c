/// Splitting a pasted command line into words, the way the shell it was written for would:
/// POSIX sh/bash ("Copy as cURL", "Copy as cURL (bash)"), Windows `cmd` ("Copy as cURL (cmd)": `^`
/// escapes, then the C runtime's quoting), PowerShell (backtick escapes and continuations).
/// Pure and linear in the input: hostile text ends in a `CurlParseError`, never a hang.
/// Errors never quote the input (it holds passwords, tokens and cookies).
enum CurlTokenizer {
    typealias Scalars = [Unicode.Scalar]

    // MARK: POSIX sh / bash

    /// Words as bash splits them: `'…'` literal, `"…"` with `\` escaping `$ \` " \` and newline,
    /// `$'…'` with ANSI-C escapes, `\` outside quotes escaping the next character, `\`+newline a
    /// line continuation. Variables (`$TOKEN`) are not expanded; `expansions` names them.
    static func posix(_ text: String) throws(CurlParseError) -> (words: [String], expansions: [String]) {
        let s = Array(text.unicodeScalars)
        var words: [String] = []
        var expansions: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var i = 0
        func flush() {
            if inWord { words.append(String(word)) }
            word = String.UnicodeScalarView()
            inWord = false
        }
        func noteVariable(at j: Int) {
            var k = j + 1
            var name = ""
            if k < s.count, s[k] == "{" { k += 1 }
            while k < s.count, s[k].properties.isAlphabetic || s[k] == "_" || ("0"..."9").contains(s[k]),
                name.count < 40
            {
                name.unicodeScalars.append(s[k])
                k += 1
            }
            if !name.isEmpty, expansions.count < 20, !expansions.contains("$" + name) { expansions.append("$" + name) }
        }
        while i < s.count {
            let c = s[i]
            switch c {
            case " ", "\t", "\n", "\r":
                flush()
                i += 1
            case "\\":
                if i + 1 < s.count {
                    if s[i + 1] == "\n" {
                        i += 2
                    } else if s[i + 1] == "\r", i + 2 < s.count, s[i + 2] == "\n" {
                        i += 3
                    } else {
                        word.append(s[i + 1])
                        inWord = true
                        i += 2
                    }
                } else {
                    i += 1
                }
            case "'":
                inWord = true
                guard let end = s[(i + 1)...].firstIndex(of: "'") else { throw .unbalancedQuote("'") }
                word.append(contentsOf: s[(i + 1)..<end])
                i = end + 1
            case "$" where i + 1 < s.count && s[i + 1] == "'":
                inWord = true
                i = try ansiC(s, from: i + 2, into: &word)
            case "\"":
                inWord = true
                i += 1
                var closed = false
                while i < s.count {
                    let d = s[i]
                    if d == "\"" {
                        closed = true
                        i += 1
                        break
                    }
                    if d == "\\", i + 1 < s.count, ["$", "`", "\"", "\\", "\n"].contains(s[i + 1]) {
                        if s[i + 1] != "\n" { word.append(s[i + 1]) }
                        i += 2
                        continue
                    }
                    if d == "$" { noteVariable(at: i) }
                    word.append(d)
                    i += 1
                }
                if !closed { throw .unbalancedQuote("\"") }
            case "#" where !inWord:
                // A comment runs to the end of the line.
                while i < s.count, s[i] != "\n" { i += 1 }
            default:
                if c == "$" { noteVariable(at: i) }
                word.append(c)
                inWord = true
                i += 1
            }
        }
        flush()
        return (words, expansions)
    }

    /// The single-letter escapes bash's `$'…'` and JavaScript strings share: `\n \t \r \b \f \v`.
    static func controlEscape(_ e: Unicode.Scalar) -> Unicode.Scalar? {
        switch e {
        case "n": "\n"
        case "t": "\t"
        case "r": "\r"
        case "b": "\u{08}"
        case "f": "\u{0C}"
        case "v": "\u{0B}"
        default: nil
        }
    }

    /// The body of `$'…'` from `start` (after the opening quote); returns the index after the closing quote.
    static func ansiC(_ s: Scalars, from start: Int, into word: inout String.UnicodeScalarView) throws(CurlParseError)
        -> Int
    {
        var i = start
        func hexValue(maxDigits: Int) -> UInt32? {
            var value: UInt32 = 0
            var digits = 0
            while digits < maxDigits, i < s.count, let v = UInt32(String(s[i]), radix: 16) {
                value = value * 16 + v
                digits += 1
                i += 1
            }
            return digits == 0 ? nil : value
        }
        while i < s.count {
            let c = s[i]
            if c == "'" { return i + 1 }
            guard c == "\\", i + 1 < s.count else {
                word.append(c)
                i += 1
                continue
            }
            let e = s[i + 1]
            i += 2
            if let control = controlEscape(e) {
                word.append(control)
                continue
            }
            switch e {
            case "a": word.append("\u{07}")
            case "e", "E": word.append("\u{1B}")
            case "\\", "'", "\"", "?": word.append(e)
            case "x":
                if let v = hexValue(maxDigits: 2), let u = Unicode.Scalar(v) {
                    word.append(u)
                } else {
                    word.append(contentsOf: "\\x".unicodeScalars)
                }
            case "u", "U":
                if let v = hexValue(maxDigits: e == "u" ? 4 : 8), let u = Unicode.Scalar(v) {
                    word.append(u)
                } else {
                    word.append(contentsOf: "\\\(e)".unicodeScalars)
                }
            case "0"..."7":
                var value = e.value - 48
                var digits = 1
                while digits < 3, i < s.count, ("0"..."7").contains(s[i]) {
                    value = value * 8 + s[i].value - 48
                    digits += 1
                    i += 1
                }
                if let u = Unicode.Scalar(value & 0xFF) { word.append(u) }
            default:
                word.append("\\")
                word.append(e)
            }
        }
        throw .unbalancedQuote("$'")
    }

    // MARK: Windows cmd

    /// "Copy as cURL (cmd)": cmd.exe removes `^` escapes (`^` + newline continues the line) outside
    /// its own double quotes, then the program's C runtime splits the words (`"` quotes, `\"` a literal
    /// quote, backslashes literal unless they precede a quote).
    static func cmd(_ text: String) throws(CurlParseError) -> [String] {
        let s = Array(text.unicodeScalars.filter { $0 != "\r" })
        // Phase 1: cmd.exe.
        var afterCmd: Scalars = []
        afterCmd.reserveCapacity(s.count)
        var quoted = false
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "\"" {
                quoted.toggle()
                afterCmd.append(c)
                i += 1
            } else if c == "^" && !quoted {
                if i + 1 < s.count, s[i + 1] == "\n" {
                    // Continuation: the first character of the next line is taken literally.
                    if i + 2 < s.count {
                        afterCmd.append(s[i + 2])
                    }
                    i += 3
                } else if i + 1 < s.count {
                    afterCmd.append(s[i + 1])
                    i += 2
                } else {
                    i += 1
                }
            } else {
                afterCmd.append(c)
                i += 1
            }
        }
        if quoted { throw .unbalancedQuote("\"") }
        // Phase 2: the C runtime's argv rules.
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var inQuotes = false
        i = 0
        while i < afterCmd.count {
            let c = afterCmd[i]
            if c == "\\" {
                var n = 0
                while i < afterCmd.count, afterCmd[i] == "\\" {
                    n += 1
                    i += 1
                }
                inWord = true
                if i < afterCmd.count, afterCmd[i] == "\"" {
                    word.append(contentsOf: repeatElement("\\" as Unicode.Scalar, count: n / 2))
                    if n % 2 == 1 {
                        word.append("\"")
                        i += 1
                    }
                } else {
                    word.append(contentsOf: repeatElement("\\" as Unicode.Scalar, count: n))
                }
                continue
            }
            if c == "\"" {
                inWord = true
                if inQuotes, i + 1 < afterCmd.count, afterCmd[i + 1] == "\"" {
                    word.append("\"")
                    i += 2
                    continue
                }
                inQuotes.toggle()
                i += 1
                continue
            }
            if !inQuotes && (c == " " || c == "\t" || c == "\n") {
                if inWord { words.append(String(word)) }
                word = String.UnicodeScalarView()
                inWord = false
                i += 1
                continue
            }
            word.append(c)
            inWord = true
            i += 1
        }
        if inQuotes { throw .unbalancedQuote("\"") }
        if inWord { words.append(String(word)) }
        return words
    }

    // MARK: PowerShell

    enum PSToken: Equatable {
        case word(String)
        case string(String)
        case punct(Unicode.Scalar)
        case newline
    }

    /// PowerShell tokens: `"…"` with backtick escapes (`` `" `` `` `n `` …) and `""`, `'…'` with `''`,
    /// a backtick before a newline continues the line; `@{ } ( ) = ; ,` are punctuation.
    static func powershell(_ text: String) throws(CurlParseError) -> [PSToken] {
        let s = Array(text.unicodeScalars.filter { $0 != "\r" })
        var tokens: [PSToken] = []
        var i = 0
        func escape(_ e: Unicode.Scalar) -> Unicode.Scalar {
            switch e {
            case "n": "\n"
            case "r": "\r"
            case "t": "\t"
            case "0": "\0"
            case "a": "\u{07}"
            case "b": "\u{08}"
            case "f": "\u{0C}"
            case "v": "\u{0B}"
            case "e": "\u{1B}"
            default: e
            }
        }
        while i < s.count {
            let c = s[i]
            switch c {
            case " ", "\t":
                i += 1
            case "\n":
                tokens.append(.newline)
                i += 1
            case "`":
                if i + 1 < s.count, s[i + 1] == "\n" {
                    i += 2
                } else {
                    var w = String.UnicodeScalarView()
                    if i + 1 < s.count { w.append(escape(s[i + 1])) }
                    tokens.append(.word(String(w)))
                    i += 2
                }
            case "#":
                while i < s.count, s[i] != "\n" { i += 1 }
            case "\"", "“", "”":
                var w = String.UnicodeScalarView()
                i += 1
                var closed = false
                while i < s.count {
                    let d = s[i]
                    if d == "`", i + 1 < s.count {
                        if s[i + 1] != "\n" { w.append(escape(s[i + 1])) }
                        i += 2
                        continue
                    }
                    if d == "\"" || d == "“" || d == "”" {
                        if i + 1 < s.count, s[i + 1] == "\"" {
                            w.append("\"")
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    w.append(d)
                    i += 1
                }
                if !closed { throw .unbalancedQuote("\"") }
                tokens.append(.string(String(w)))
            case "'":
                var w = String.UnicodeScalarView()
                i += 1
                var closed = false
                while i < s.count {
                    if s[i] == "'" {
                        if i + 1 < s.count, s[i + 1] == "'" {
                            w.append("'")
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    w.append(s[i])
                    i += 1
                }
                if !closed { throw .unbalancedQuote("'") }
                tokens.append(.string(String(w)))
            case "@" where i + 1 < s.count && s[i + 1] == "{":
                tokens.append(.punct("{"))
                i += 2
            case "{", "}", "(", ")", "=", ";", ",":
                tokens.append(.punct(c))
                i += 1
            default:
                var w = String.UnicodeScalarView()
                while i < s.count, !" \t\n\"'(){}=;,`".unicodeScalars.contains(s[i]) {
                    w.append(s[i])
                    i += 1
                }
                tokens.append(.word(String(w)))
            }
        }
        return tokens
    }

    // MARK: JavaScript (Copy as fetch)

    /// A JavaScript value as "Copy as fetch" writes it (JSON, plus single quotes, unquoted keys,
    /// trailing commas): objects keep their key order.
    indirect enum JSValue: Equatable {
        case string(String)
        case number(String)
        case bool(Bool)
        case null
        case object([(String, JSValue)])
        case array([JSValue])
        case other

        static func == (a: JSValue, b: JSValue) -> Bool {
            switch (a, b) {
            case (.string(let x), .string(let y)), (.number(let x), .number(let y)): x == y
            case (.bool(let x), .bool(let y)): x == y
            case (.null, .null), (.other, .other): true
            case (.array(let x), .array(let y)): x == y
            case (.object(let x), .object(let y)):
                x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: false
            }
        }

        var string: String? { if case .string(let s) = self { s } else { nil } }
    }

    struct JSReader {
        let s: Scalars
        var i = 0
        var depth = 0

        init(_ s: Scalars, at i: Int) {
            self.s = s
            self.i = i
        }

        mutating func skipSpace() {
            while i < s.count {
                if [" ", "\t", "\n", "\r"].contains(s[i]) {
                    i += 1
                } else if s[i] == "/", i + 1 < s.count, s[i + 1] == "/" {
                    while i < s.count, s[i] != "\n" { i += 1 }
                } else {
                    return
                }
            }
        }

        mutating func value() throws(CurlParseError) -> JSValue {
            skipSpace()
            guard i < s.count else { throw .malformed("the fetch call ends early") }
            let c = s[i]
            switch c {
            case "\"", "'", "`": return .string(try string())
            case "{":
                depth += 1
                guard depth < 64 else { throw .malformed("the fetch call nests too deep") }
                defer { depth -= 1 }
                i += 1
                var members: [(String, JSValue)] = []
                while true {
                    skipSpace()
                    guard i < s.count else { throw .unbalancedQuote("{") }
                    if s[i] == "}" {
                        i += 1
                        return .object(members)
                    }
                    let key: String
                    if ["\"", "'"].contains(s[i]) { key = try string() } else { key = identifier() }
                    guard !key.isEmpty else { throw .malformed("the fetch options are not an object literal") }
                    skipSpace()
                    guard i < s.count, s[i] == ":" else {
                        throw .malformed("the fetch options are not an object literal")
                    }
                    i += 1
                    members.append((key, try value()))
                    skipSpace()
                    if i < s.count, s[i] == "," { i += 1 }
                }
            case "[":
                depth += 1
                guard depth < 64 else { throw .malformed("the fetch call nests too deep") }
                defer { depth -= 1 }
                i += 1
                var items: [JSValue] = []
                while true {
                    skipSpace()
                    guard i < s.count else { throw .unbalancedQuote("[") }
                    if s[i] == "]" {
                        i += 1
                        return .array(items)
                    }
                    items.append(try value())
                    skipSpace()
                    if i < s.count, s[i] == "," { i += 1 }
                }
            default:
                let word = identifier()
                switch word {
                case "null", "undefined": return .null
                case "true": return .bool(true)
                case "false": return .bool(false)
                case "": throw .malformed("the fetch options hold something that is not a literal")
                default:
                    if let f = word.unicodeScalars.first, ("0"..."9").contains(f) || f == "-" { return .number(word) }
                    return .other
                }
            }
        }

        mutating func identifier() -> String {
            var w = String.UnicodeScalarView()
            while i < s.count,
                s[i].properties.isAlphabetic || ("0"..."9").contains(s[i]) || "_$.-+".unicodeScalars.contains(s[i])
            {
                w.append(s[i])
                i += 1
            }
            return String(w)
        }

        /// A JS string literal at `i` (JSON escapes, `\x`, `\u{…}`, `\'`).
        mutating func string() throws(CurlParseError) -> String {
            let quote = s[i]
            i += 1
            var w = String.UnicodeScalarView()
            while i < s.count {
                let c = s[i]
                if c == quote {
                    i += 1
                    return String(w)
                }
                if c == "\\", i + 1 < s.count {
                    let e = s[i + 1]
                    i += 2
                    if let control = CurlTokenizer.controlEscape(e) {
                        w.append(control)
                        continue
                    }
                    switch e {
                    case "0": w.append("\0")
                    case "\n": break
                    case "x", "u":
                        var digits = String.UnicodeScalarView()
                        if e == "u", i < s.count, s[i] == "{" {
                            i += 1
                            while i < s.count, s[i] != "}", digits.count < 8 {
                                digits.append(s[i])
                                i += 1
                            }
                            i += 1
                        } else {
                            let n = e == "x" ? 2 : 4
                            while digits.count < n, i < s.count {
                                digits.append(s[i])
                                i += 1
                            }
                        }
                        guard var v = UInt32(String(digits), radix: 16) else {
                            throw .malformed("a string in the fetch call has a bad escape")
                        }
                        // A UTF-16 surrogate pair written as two \u escapes.
                        if (0xD800..<0xDC00).contains(v), i + 5 < s.count, s[i] == "\\", s[i + 1] == "u",
                            let low = UInt32(String(String.UnicodeScalarView(s[(i + 2)..<(i + 6)])), radix: 16),
                            (0xDC00..<0xE000).contains(low)
                        {
                            v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        }
                        w.append(Unicode.Scalar(v) ?? "\u{FFFD}")
                    default: w.append(e)
                    }
                    continue
                }
                w.append(c)
                i += 1
            }
            throw .unbalancedQuote(String(quote))
        }
    }
}
