/// An Apache `LogFormat` string (`--log-format`) compiled into a sequence of literals and fields,
/// matched against each line from left to right.
///
/// A field's value runs up to the next literal; inside quotes (`"%r"`) the end quote is found
/// escape-aware. `%u` followed by ` ` and `%t` ends at ` [`, so user names with spaces work.
struct CustomFormat: Sendable {
    enum Kind: Sendable, Equatable { case host, user, time, request, status, agent, urlPath, other }
    enum Item: Sendable, Equatable {
        case literal([UInt8])
        case field(Kind)
    }

    let items: [Item]

    init(_ format: String) throws {
        var bytes = Array(format.utf8)
        // configs write `\"`; shells often pass it through
        var unescaped: [UInt8] = []
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x5C && i + 1 < bytes.count {
                switch bytes[i + 1] {
                case 0x22: unescaped.append(0x22)
                case 0x74: unescaped.append(0x09)
                case 0x6E: unescaped.append(0x0A)
                case 0x5C: unescaped.append(0x5C)
                default: unescaped.append(contentsOf: [0x5C, bytes[i + 1]])
                }
                i += 2
            } else {
                unescaped.append(bytes[i])
                i += 1
            }
        }
        bytes = unescaped
        var items: [Item] = []
        var literal: [UInt8] = []
        i = 0
        func flush() {
            if !literal.isEmpty {
                items.append(.literal(literal))
                literal = []
            }
        }
        while i < bytes.count {
            let c = bytes[i]
            guard c == 0x25 else {
                literal.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < bytes.count else { throw LogScanError("--log-format ends with a lone %") }
            if bytes[i] == 0x25 {
                literal.append(0x25)
                i += 1
                continue
            }
            // modifiers: status lists, `!`, `<`, `>`
            while i < bytes.count, "0123456789,!<>".utf8.contains(bytes[i]) { i += 1 }
            var argument = ""
            if i < bytes.count && bytes[i] == 0x7B {
                guard let close = bytes[i...].firstIndex(of: 0x7D) else {
                    throw LogScanError("--log-format has an unclosed %{")
                }
                argument = String(decoding: bytes[(i + 1)..<close], as: UTF8.self).lowercased()
                i = close + 1
            }
            guard i < bytes.count else { throw LogScanError("--log-format ends inside a directive") }
            let letter = Character(Unicode.Scalar(bytes[i]))
            i += 1
            let kind: Kind
            switch letter {
            case "h", "a": kind = .host
            case "u": kind = .user
            case "t":
                guard argument.isEmpty else {
                    throw LogScanError(
                        "--log-format: only the default %t time format is supported, not %{\(argument)}t")
                }
                kind = .time
            case "r": kind = .request
            case "s": kind = .status
            case "U": kind = .urlPath
            case "i":
                kind = argument == "user-agent" ? .agent : .other
                if argument.isEmpty { throw LogScanError("--log-format: %i needs a header name, e.g. %{User-Agent}i") }
            case "l", "b", "B", "v", "V", "p", "D", "T", "m", "q", "H", "O", "I", "S", "P", "e", "n", "o", "C", "x",
                "k", "X", "A", "L", "R", "f", "^":
                kind = .other
            default:
                throw LogScanError("--log-format: unknown directive %\(letter)")
            }
            flush()
            if case .field = items.last {
                throw LogScanError("--log-format: two directives without text between them cannot be split")
            }
            items.append(.field(kind))
        }
        flush()
        let kinds = items.compactMap { item -> Kind? in
            if case .field(let k) = item { return k }
            return nil
        }
        for needed in [(Kind.host, "%h"), (.time, "%t"), (.status, "%>s")] where !kinds.contains(needed.0) {
            throw LogScanError("--log-format must contain \(needed.1)")
        }
        self.items = items
    }

    func parse(_ p: UnsafePointer<UInt8>, _ n: Int, cache: inout CLFTimeCache, into f: inout AccessFields) -> Bool {
        var i = 0
        var haveTime = false
        var haveStatus = false
        var haveHost = false
        var urlPath: ByteRun?
        f.user = nil
        f.path = nil
        f.request = nil
        f.agent = nil
        f.agentParsed = true
        f.rest = nil
        var index = 0
        while index < items.count {
            switch items[index] {
            case .literal(let lit):
                guard i + lit.count <= n else { return false }
                for (k, b) in lit.enumerated() where p[i + k] != b { return false }
                i += lit.count
            case .field(let kind):
                let quoted = i > 0 && p[i - 1] == 0x22
                var end = n
                if index + 1 < items.count, case .literal(let next) = items[index + 1] {
                    let timeFollows: Bool = {
                        if index + 2 < items.count, case .field(.time) = items[index + 2] { return true }
                        return false
                    }()
                    var from = i
                    if kind == .time { from = min(i + 28, n) }
                    guard
                        let e = CustomFormat.find(next, in: p, from: from, n, quoted: quoted, timeFollows: timeFollows)
                    else { return false }
                    end = e
                }
                let value = ByteRun(p + i, end - i)
                switch kind {
                case .host:
                    guard value.count > 0 else { return false }
                    f.client = value
                    haveHost = true
                case .user: f.user = value.isDash || value.count == 0 ? nil : value
                case .time:
                    guard value.count == 28, value.base[0] == 0x5B, let t = cache.parse(value.base + 1, 26) else {
                        return false
                    }
                    f.time = t
                    haveTime = true
                case .request: f.path = value.isDash ? nil : Scan.requestPath(value.base, value.count)
                case .status:
                    guard value.count == 3, let s = Scan.status(value.base, 0, 3) else { return false }
                    f.status = s
                    haveStatus = true
                case .agent: f.agent = value
                case .urlPath:
                    var e = 0
                    while e < value.count && value.base[e] != 0x3F { e += 1 }
                    urlPath = e > 0 && !value.isDash ? ByteRun(value.base, e) : nil
                case .other: break
                }
                i = end
            }
            index += 1
        }
        if f.path == nil, let u = urlPath { f.path = u }
        return haveTime && haveStatus && haveHost && i == n
    }

    /// Where `literal` next occurs from `from`; after a quote, a `"` escaped by `\` does not count.
    private static func find(
        _ literal: [UInt8], in p: UnsafePointer<UInt8>, from: Int, _ n: Int, quoted: Bool, timeFollows: Bool
    ) -> Int? {
        var i = from
        while i + literal.count <= n {
            guard let hit = Scan.find(p, i, n, literal[0]) else { return nil }
            guard hit + literal.count <= n else { return nil }
            var match = true
            for k in 1..<literal.count where p[hit + k] != literal[k] {
                match = false
                break
            }
            if match && quoted && literal[0] == 0x22 {
                var b = hit - 1
                var slashes = 0
                while b >= from && p[b] == 0x5C {
                    slashes += 1
                    b -= 1
                }
                if slashes & 1 == 1 { match = false }
            }
            if match && timeFollows {
                let t = hit + literal.count
                match = t + 27 < n && p[t] == 0x5B && p[t + 27] == 0x5D
            }
            if match { return hit }
            i = hit + 1
        }
        return nil
    }
}
