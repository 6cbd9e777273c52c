import HTTPAuth

/// Where a HAR file holds secrets — header, cookie, query, form and JSON field names with the
/// entries they occur in, never a value — and the redacted copy (`--redact`): the same bytes with
/// only the secret string literals replaced, so the copy stays a valid HAR that viewers open and
/// that reads back with the same 401s.
public enum HARSecrets {
    /// Parameter and JSON field names whose values are secrets (compared lowercased, `_`/`-` removed).
    static let secretFieldNames: Set<String> = [
        "password", "passwd", "pass", "pwd", "secret", "clientsecret", "token", "accesstoken", "refreshtoken",
        "idtoken", "authtoken",
        "apikey", "key", "privatetoken", "jwt", "session", "sessionid", "sessiontoken", "assertion", "clientassertion",
        "code", "otp",
        "sig", "signature", "auth", "authorization", "bearer", "credential", "credentials", "oauthtoken",
        "oauthsignature", "csrftoken",
        "xamzsecuritytoken", "xamzsignature", "xamzcredential", "newpassword", "currentpassword", "oldpassword",
    ]

    public static func isSecretName(_ name: String) -> Bool {
        secretFieldNames.contains(name.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// A value that is already masked (a redacted copy, a producer's own redaction) is not a secret.
    static func isMasked(_ value: String) -> Bool {
        let v = value.trimmingOWS
        return v.isEmpty || v.contains("****") || v.hasSuffix(" chars)") || v.lowercased() == "redacted"
            || v == "[REDACTED]" || v == "xxx"
    }

    static func isCredentialHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "authorization" || lower == "proxy-authorization" || HARAnalysis.isAPIKeyHeader(name)
    }

    /// `request header Authorization: entries 0, 2` … one line per place, in a stable order.
    public static func locations(_ file: HARFile) -> [String] {
        var places: [String: [Int]] = [:]
        var order: [String] = []
        func note(_ place: String, _ index: Int) {
            if places[place] == nil { order.append(place) }
            if places[place]?.last != index { places[place, default: []].append(index) }
        }
        for e in file.entries {
            for h in e.requestHeaders where isCredentialHeader(h.name) && !isMasked(h.value) {
                note("request header \(h.name)", e.index)
            }
            for h in e.requestHeaders where h.name.lowercased() == "cookie" {
                for pair in h.value.split(separator: ";") {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    if kv.count == 2, !isMasked(String(kv[1])) {
                        note("cookie \(String(kv[0]).trimmingOWS) (Cookie header)", e.index)
                    }
                }
            }
            for c in e.requestCookies where !isMasked(c.value) { note("cookie \(c.name) (request.cookies)", e.index) }
            for h in e.responseHeaders where h.name.lowercased() == "set-cookie" {
                let first = h.value.split(separator: ";", maxSplits: 1).first ?? ""
                let kv = first.split(separator: "=", maxSplits: 1)
                if kv.count == 2, !isMasked(String(kv[1])) {
                    note("cookie \(String(kv[0]).trimmingOWS) (Set-Cookie)", e.index)
                }
            }
            for c in e.responseCookies where !isMasked(c.value) { note("cookie \(c.name) (response.cookies)", e.index) }
            for h in e.responseHeaders where isCredentialHeader(h.name) && !isMasked(h.value) {
                note("response header \(h.name)", e.index)
            }
            for name in secretQueryNames(e.url) { note("query parameter \(name)", e.index) }
            for p in e.postParams where isSecretName(p.name) && !isMasked(p.value) {
                note("form field \(p.name)", e.index)
            }
            if let text = e.postText {
                for name in secretFieldsInBody(text, mimeType: e.postMimeType) {
                    note("request body field \(name)", e.index)
                }
            }
            if !e.body.isEmpty, let body = String(validating: e.body, as: UTF8.self) {
                for name in secretFieldsInBody(body, mimeType: e.responseHeader("Content-Type")) {
                    note("response body field \(name)", e.index)
                }
            }
        }
        return order.map { place in
            let list = places[place] ?? []
            let shown =
                list.prefix(8).map(String.init).joined(separator: ", ")
                + (list.count > 8 ? ", … (\(list.count) entries)" : "")
            return "\(place): entr\(list.count == 1 ? "y" : "ies") \(shown)"
        }
    }

    static func secretQueryNames(_ url: String) -> [String] {
        guard let q = url.firstIndex(of: "?") else { return [] }
        let query = url[url.index(after: q)...].prefix { $0 != "#" }
        return query.split(whereSeparator: { $0 == "&" || $0 == ";" }).compactMap { item in
            let kv = item.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, !isMasked(String(kv[1])) else { return nil }
            let name = String(kv[0])
            let masked = SecretMasking.maskURL("http://h/?\(name)=x")
            return masked.hasSuffix("=****") || isSecretName(name) ? name : nil
        }
    }

    /// Names of secret fields in a form or JSON body.
    static func secretFieldsInBody(_ text: String, mimeType: String?) -> [String] {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            return jsonSecretRanges(Array(text.utf8)).map(\.name).reduce(into: []) {
                if !$0.contains($1) { $0.append($1) }
            }
        }
        if isForm(text, mimeType: mimeType) {
            return text.split(separator: "&").compactMap { item in
                let kv = item.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, isSecretName(String(kv[0])), !isMasked(String(kv[1])) else { return nil }
                return String(kv[0])
            }
        }
        return []
    }

    /// A form body: said so by its type, or (no type given) a short `a=b&c=d` text.
    static func isForm(_ text: String, mimeType: String?) -> Bool {
        if let mimeType { return mimeType.lowercased().contains("x-www-form-urlencoded") }
        return text.utf8.count <= 8192 && text.contains("=") && !text.contains(" ") && !text.contains("<")
    }

    /// The string values of secret-named members anywhere in a JSON text, with their literal ranges.
    static func jsonSecretRanges(_ bytes: [UInt8]) -> [(name: String, range: Range<Int>)] {
        guard
            let tree = bytes.withUnsafeBufferPointer({ buffer -> HARJSON? in
                var reader = HARJSONReader(buffer)
                return try? reader.value()
            })
        else { return [] }
        var out: [(String, Range<Int>)] = []
        func walk(_ value: HARJSON) {
            switch value {
            case .object(let members):
                for (key, member) in members {
                    if isSecretName(key), case .string(let text, let range) = member, !isMasked(text) {
                        out.append((key, range))
                    } else {
                        walk(member)
                    }
                }
            case .array(let items): items.forEach(walk)
            default: break
            }
        }
        walk(tree)
        return out
    }

    // MARK: redaction

    /// The redacted copy of the file's bytes. Throws what `HARFile.parse` throws.
    public static func redact(_ bytes: [UInt8]) throws(HARError) -> [UInt8] {
        var replacements: [(Range<Int>, String)] = []
        do {
            _ = try bytes.withUnsafeBufferPointer { buffer in
                try HARFile.parse(buffer) { _, tree in replacements += entryReplacements(tree) }
            }
        } catch let error as HARError {
            throw error
        } catch {
            throw HARError("not a HAR file")
        }
        replacements.sort { $0.0.lowerBound < $1.0.lowerBound }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        for (range, literal) in replacements where range.lowerBound >= position {
            out += bytes[position..<range.lowerBound]
            out += Array(literal.utf8)
            position = range.upperBound
        }
        out += bytes[position...]
        return out
    }

    static func replace(_ value: HARJSON?, with text: (String) -> String) -> [(Range<Int>, String)] {
        guard case .string(let old, let range)? = value else { return [] }
        let new = text(old)
        return new == old ? [] : [(range, jsonStringLiteral(new))]
    }

    static func entryReplacements(_ entry: HARJSON) -> [(Range<Int>, String)] {
        var out: [(Range<Int>, String)] = []
        for side in ["request", "response"] {
            guard let message = entry[side] else { continue }
            for header in message["headers"]?.array ?? [] {
                let name = header["name"]?.string ?? ""
                out += replace(header["value"]) { value in
                    // Already masked (a redacted copy): unchanged, so redacting twice changes nothing.
                    if isMasked(value) && isCredentialHeader(name) { return value }
                    switch name.lowercased() {
                    case "referer", "origin": return SecretMasking.maskURL(value)
                    case let lower
                    where lower.hasPrefix("sec-") || lower.hasPrefix(":") || lower.contains("authenticat"): return value
                    case "set-cookie":
                        // Chrome joins several cookies with newlines: mask each line.
                        return value.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                            line.isEmpty || isMasked(String(line)) && line.contains("=****")
                                ? String(line) : SecretMasking.maskSetCookie(String(line))
                        }.joined(separator: "\n")
                    default:
                        return isCredentialHeader(name)
                            ? SecretMasking.maskHeaderValue(name: "authorization", value: value)
                            : SecretMasking.maskHeaderValue(name: name, value: value)
                    }
                }
            }
            for cookie in message["cookies"]?.array ?? [] {
                out += replace(cookie["value"]) { $0.isEmpty ? $0 : "****" }
            }
        }
        if let request = entry["request"] {
            out += replace(request["url"], with: SecretMasking.maskURL)
            for item in request["queryString"]?.array ?? []
            where isSecretName(item["name"]?.string ?? "")
                || secretQueryNames("?\(item["name"]?.string ?? "")=x").count == 1
            {
                out += replace(item["value"]) { $0.isEmpty ? $0 : "****" }
            }
            if let post = request["postData"] {
                for item in post["params"]?.array ?? [] where isSecretName(item["name"]?.string ?? "") {
                    out += replace(item["value"]) { $0.isEmpty ? $0 : "****" }
                }
                out += replace(post["text"]) { redactBody($0, mimeType: post["mimeType"]?.string) }
            }
        }
        if let response = entry["response"] {
            out += replace(response["redirectURL"], with: SecretMasking.maskURL)
            if let content = response["content"] {
                if content["encoding"]?.string?.lowercased() == "base64" {
                    out += replace(content["text"]) { text in
                        guard let bytes = Base64.decode(text), let body = String(validating: bytes, as: UTF8.self)
                        else { return text }
                        let redacted = redactBody(body, mimeType: content["mimeType"]?.string)
                        return redacted == body ? text : Base64.encode(Array(redacted.utf8))
                    }
                } else {
                    out += replace(content["text"]) { redactBody($0, mimeType: content["mimeType"]?.string) }
                }
            }
        }
        return out
    }

    /// A body with the values of its secret JSON members or form fields masked; anything else unchanged.
    static func redactBody(_ text: String, mimeType: String?) -> String {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            let bytes = Array(text.utf8)
            let ranges = jsonSecretRanges(bytes)
            guard !ranges.isEmpty else { return text }
            var out: [UInt8] = []
            var position = 0
            for (_, range) in ranges.sorted(by: { $0.range.lowerBound < $1.range.lowerBound })
            where range.lowerBound >= position {
                out += bytes[position..<range.lowerBound]
                out += Array("\"****\"".utf8)
                position = range.upperBound
            }
            out += bytes[position...]
            return String(decoding: out, as: UTF8.self)
        }
        if isForm(text, mimeType: mimeType) {
            return text.split(separator: "&", omittingEmptySubsequences: false).map { item in
                let kv = item.split(separator: "=", maxSplits: 1)
                guard kv.count == 2, isSecretName(String(kv[0])), !kv[1].isEmpty else { return String(item) }
                return "\(kv[0])=****"
            }.joined(separator: "&")
        }
        return text
    }
}
