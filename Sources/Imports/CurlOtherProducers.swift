/// The browsers' other "Copy as …" forms, read into the same `CurlCommandLine`:
/// "Copy as PowerShell" (`Invoke-WebRequest` with a `WebRequestSession`) and "Copy as fetch" /
/// "Copy as fetch (Node.js)".
extension CurlCommandLine {
    // MARK: PowerShell

    static func parsePowerShell(_ text: String) throws(CurlParseError) -> CurlCommandLine {
        let tokens = try CurlTokenizer.powershell(text)
        var command = CurlCommandLine(flavour: .powershell)
        var i = 0
        var sawInvoke = false
        while i < tokens.count {
            let token = tokens[i]
            i += 1
            guard case .word(let word) = token else { continue }
            let lower = word.lowercased()
            if lower == "$session.useragent", i + 1 < tokens.count, tokens[i] == .punct("="),
                case .string(let agent) = tokens[i + 1]
            {
                command.userAgent = agent
                i += 2
            } else if lower == "system.net.cookie", i < tokens.count, tokens[i] == .punct("(") {
                let parts = try psGroup(tokens, &i)
                if parts.count >= 2 { command.cookies.append(parts[0] + "=" + parts[1]) }
            } else if ["invoke-webrequest", "invoke-restmethod", "iwr", "irm"].contains(lower) {
                sawInvoke = true
                try command.readInvokeParameters(tokens, from: &i)
            }
        }
        guard sawInvoke else { throw .notCurl }
        guard !command.url.isEmpty else { throw .noURL }
        return command
    }

    /// The strings inside the parenthesised group starting at `i` (which is a `(`); `i` ends after it.
    static func psGroup(_ tokens: [CurlTokenizer.PSToken], _ i: inout Int) throws(CurlParseError) -> [String] {
        var depth = 0
        var strings: [String] = []
        while i < tokens.count {
            switch tokens[i] {
            case .punct("("): depth += 1
            case .punct(")"):
                depth -= 1
                if depth == 0 {
                    i += 1
                    return strings
                }
            case .string(let s): strings.append(s)
            default: break
            }
            i += 1
        }
        throw .unbalancedQuote("(")
    }

    /// `-Uri`, `-Method`, `-Headers @{…}`, `-ContentType`, `-Body`, `-UserAgent`… until the statement ends.
    mutating func readInvokeParameters(_ tokens: [CurlTokenizer.PSToken], from i: inout Int) throws(CurlParseError) {
        func argument() throws(CurlParseError) -> String? {
            guard i < tokens.count else { return nil }
            switch tokens[i] {
            case .string(let s), .word(let s):
                if case .word(let w) = tokens[i], w.hasPrefix("-") { return nil }
                i += 1
                return s
            case .punct("("):
                // `([System.Text.Encoding]::UTF8.GetBytes("…"))`: the string inside.
                return try Self.psGroup(tokens, &i).first
            default: return nil
            }
        }
        while i < tokens.count {
            guard case .word(let word) = tokens[i] else {
                if tokens[i] == .newline || tokens[i] == .punct(";") { return }
                i += 1
                continue
            }
            i += 1
            guard word.hasPrefix("-") else {
                if url.isEmpty { url = word }
                continue
            }
            let parameter = word.dropFirst().lowercased()
            switch parameter {
            case "uri": url = try argument() ?? ""
            case "method": explicitMethod = try argument()
            case "contenttype": if let v = try argument() { headers.append(Header("Content-Type", v)) }
            case "body": if let v = try argument() { data.append(.text(v)) }
            case "useragent": userAgent = try argument()
            case "skipcertificatecheck": insecure = true
            case "maximumredirection":
                if let v = try argument(), let n = Int(v) { maxRedirects = max(0, min(n, 50)) }
            case "headers":
                guard i < tokens.count, tokens[i] == .punct("{") else { throw .malformed("-Headers needs @{ … }") }
                i += 1
                var key: String?
                var closed = false
                while i < tokens.count {
                    let t = tokens[i]
                    i += 1
                    if t == .punct("}") {
                        closed = true
                        break
                    }
                    switch t {
                    case .string(let s), .word(let s):
                        if let k = key {
                            if k.lowercased() == "cookie" { cookies.append(s) } else { headers.append(Header(k, s)) }
                            key = nil
                        } else {
                            key = s
                        }
                    default: break
                    }
                }
                if !closed { throw .unbalancedQuote("@{") }
            case "usebasicparsing", "websession", "session": if parameter != "usebasicparsing" { _ = try argument() }
            case "credential", "usedefaultcredentials", "certificate", "certificatethumbprint", "proxy",
                "proxycredential",
                "authentication", "token", "infile":
                throw .unsupported(option: String(word), what: "Invoke-WebRequest \(word)")
            case "outfile", "passthru", "timeoutsec", "disablekeepalive", "erroraction":
                if parameter == "outfile" || parameter == "timeoutsec" || parameter == "erroraction" {
                    _ = try argument()
                }
                noteIgnored(String(word))
            default:
                noteUnknown(String(word))
            }
        }
    }

    // MARK: fetch

    static func parseFetch(_ text: String) throws(CurlParseError) -> CurlCommandLine {
        let s = Array(text.unicodeScalars)
        guard let open = s.firstIndex(of: "(") else { throw .notCurl }
        var reader = CurlTokenizer.JSReader(s, at: open + 1)
        guard case .string(let url) = try reader.value() else { throw .malformed("fetch needs the URL as a string") }
        var command = CurlCommandLine(flavour: .fetch)
        command.url = url
        reader.skipSpace()
        guard reader.i < s.count else { throw .unbalancedQuote("(") }
        if s[reader.i] == "," {
            reader.i += 1
            guard case .object(let options) = try reader.value() else {
                throw .malformed("the fetch options are not an object literal")
            }
            try command.readFetchOptions(options)
        }
        reader.skipSpace()
        guard reader.i < s.count, s[reader.i] == ")" else { throw .unbalancedQuote("(") }
        return command
    }

    mutating func readFetchOptions(_ options: [(String, CurlTokenizer.JSValue)]) throws(CurlParseError) {
        for (key, value) in options {
            switch key {
            case "headers":
                guard case .object(let fields) = value else {
                    throw .malformed("fetch headers must be an object literal")
                }
                for (name, v) in fields {
                    guard let text = v.string else { continue }
                    if name.lowercased() == "cookie" {
                        cookies.append(text)
                    } else {
                        headers.append(Header(name, text))
                    }
                }
            case "body":
                if case .string(let text) = value {
                    data.append(.text(text))
                } else if value != .null {
                    throw .unsupported(option: "body", what: "a fetch body that is not a string")
                }
            case "method": explicitMethod = value.string
            case "referrer":
                if let r = value.string, r.hasPrefix("http") { referer = r }
            case "redirect":
                if value.string == "manual" || value.string == "error" {
                    maxRedirects = 0
                } else {
                    followRedirects = true
                }
            case "credentials":
                if value.string == "include" {
                    notes.append(
                        """
                        fetch credentials: \"include\": a browser adds its cookies for this site, which a copied \
                        fetch does not contain (Copy as cURL or fetch (Node.js) includes them)
                        """
                    )
                }
            case "referrerPolicy", "mode", "cache", "keepalive", "integrity", "priority", "signal":
                noteIgnored(key)
            default:
                noteUnknown(key)
            }
        }
    }
}
