import Evidence
import Foundation
import HostAccess

/// Apache httpd's configuration syntax, read the way httpd itself reads it (server/config.c):
///
/// * one directive per line (`ap_cfg_getline`: blanks trimmed, a trailing backslash continues the
///   line), `#` starts a comment only at the start of a line, arguments are separated by blanks and
///   may be quoted with `"` or `'` (`ap_getword_conf`);
/// * only the first word of a line decides what it is: `</Directory> </IfModule>` closes the
///   `<Directory>` and the rest of the line is ignored, so is text after a closing tag;
/// * a conditional section (`<IfModule>`, `<IfDefine>`, `<IfVersion>`, …) whose test holds is read
///   up to a line that is exactly `</IfModule>` — or to the end of the file, which httpd accepts; one
///   whose test fails is skipped by counting `<…` and `</…>` words, and must be closed;
/// * `<Macro>` bodies are kept as lines and expanded where `Use` names them (mod_macro).
///
/// The reader asks its host (the loader) whether a conditional holds and what a directive such as
/// `Include` or `Use` stands for, as it goes — in file order, as httpd runs those directives while
/// it reads.
public enum ApacheConfigParser {
    static let maxNesting = 128
    /// Sections read by `ap_build_cont_config` when their test holds, soaked up otherwise.
    static let conditionals: Set<String> = ["ifmodule", "ifdefine", "iffile", "ifversion", "ifdirective", "ifsection"]

    /// The file on its own: every conditional is taken as holding and kept as a section in the tree,
    /// `<Macro>` bodies are skipped, nothing is included.
    public static func parse(_ text: String, file: String) throws -> [ConfigDirective] {
        var reader = ApacheReader(text: text, file: file)
        var host = StandaloneHost()
        return try reader.read(&host)
    }

    /// Joins backslash-continued lines; each logical line keeps the number of its first physical line.
    static func logicalLines(_ text: String) -> [(String, Int)] {
        var out: [(String, Int)] = []
        var pending = ""
        var start = 0
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            if pending.isEmpty { start = number }
            if line.hasSuffix("\\") {
                pending += line.dropLast()
                continue
            }
            out.append((pending + line, start))
            pending = ""
        }
        if !pending.isEmpty { out.append((pending, start)) }
        return out
    }

    /// `ap_getword_conf`: blank-separated words, `"…"`/`'…'` quoted (quotes removed, `\"` kept as `"`).
    public static func splitWords(_ line: String) -> [String] {
        var words: [String] = []
        var rest = Substring(line)
        while let word = nextWord(&rest) { words.append(word) }
        return words
    }

    /// The next word of `rest` (nil when only blanks are left); `rest` is left after it.
    static func nextWord(_ rest: inout Substring) -> String? {
        rest = rest.drop { $0 == " " || $0 == "\t" }
        guard let first = rest.first else { return nil }
        var word = ""
        var i = rest.startIndex
        if first == "\"" || first == "'" {
            i = rest.index(after: i)
            while i < rest.endIndex, rest[i] != first {
                let next = rest.index(after: i)
                if rest[i] == "\\", next < rest.endIndex, rest[next] == first || rest[next] == "\\" { i = next }
                word.append(rest[i])
                i = rest.index(after: i)
            }
            if i < rest.endIndex { i = rest.index(after: i) }
        } else {
            while i < rest.endIndex, rest[i] != " " && rest[i] != "\t" {
                word.append(rest[i])
                i = rest.index(after: i)
            }
        }
        rest = rest[i...]
        return word
    }
}

/// One logical line of a configuration, with where it was written.
struct ApacheLine {
    var text: String
    var at: ConfigLocation
}

/// What a plain directive stands for once its host has run it.
enum ApacheReplacement {
    /// Put these in the tree where the directive was (itself, nothing, or an included file's directives).
    case directives([ConfigDirective])
    /// Read these lines next, as if they were written here (a `Use` of a macro).
    case lines([ApacheLine])
}

/// The loader's side of reading: conditions, variables, `Include`, `<Macro>`/`Use`, and the context
/// checks httpd makes when it runs a directive.
protocol ApacheReaderHost {
    /// Conditionals stay in the tree as sections (standalone parsing) instead of being spliced in.
    var keepsConditionals: Bool { get }
    /// `${VAR}` resolved in a whole line (`ap_resolve_env`).
    mutating func substitute(_ line: String, at: ConfigLocation) -> String
    /// Whether a conditional section's test holds.
    mutating func holds(_ conditional: ConfigDirective) throws -> Bool
    /// A section is opening inside `enclosing` (outermost first, lower-cased names).
    mutating func opening(_ section: ConfigDirective, in enclosing: [String]) throws
    /// A plain directive inside `enclosing`.
    mutating func directive(_ d: ConfigDirective, in enclosing: [String]) throws -> ApacheReplacement
    /// A `<Macro name params…>` with its body.
    mutating func macro(_ d: ConfigDirective, body: [ApacheLine]) throws
}

/// `ApacheConfigParser.parse`: no variables, every conditional holds, no includes or macros.
struct StandaloneHost: ApacheReaderHost {
    var keepsConditionals: Bool { true }
    func substitute(_ line: String, at: ConfigLocation) -> String { line }
    func holds(_ conditional: ConfigDirective) -> Bool { true }
    func opening(_ section: ConfigDirective, in enclosing: [String]) {}
    func directive(_ d: ConfigDirective, in enclosing: [String]) -> ApacheReplacement { .directives([d]) }
    func macro(_ d: ConfigDirective, body: [ApacheLine]) {}
}

/// Reads one file's logical lines into a tree, mirroring `ap_build_config`, `ap_build_cont_config`
/// and `ap_soak_end_container`.
struct ApacheReader {
    private var lines: [ApacheLine]
    private var index = 0
    /// Lines a `Use` put in front of the rest (innermost expansion last).
    private var pending: [[ApacheLine]] = []
    private var pendingIndex: [Int] = []
    /// Lower-cased names of the real sections open around the current line, across conditionals.
    private var enclosing: [String] = []
    private var injected = 0
    static let maxInjectedLines = 1_000_000

    init(text: String, file: String) {
        lines = ApacheConfigParser.logicalLines(text).map {
            ApacheLine(text: $0.0.trimmingCharacters(in: .whitespaces), at: ConfigLocation(file: file, line: $0.1))
        }
    }

    private mutating func next() -> ApacheLine? {
        while let last = pending.indices.last {
            if pendingIndex[last] < pending[last].count {
                defer { pendingIndex[last] += 1 }
                return pending[last][pendingIndex[last]]
            }
            pending.removeLast()
            pendingIndex.removeLast()
        }
        guard index < lines.count else { return nil }
        defer { index += 1 }
        return lines[index]
    }

    /// Real sections open in one reading frame (the file, or the body of a conditional that holds).
    private struct Frame {
        var open: [(directive: ConfigDirective, children: [ConfigDirective])] = []
        var top: [ConfigDirective] = []

        mutating func append(_ d: ConfigDirective) {
            if open.isEmpty { top.append(d) } else { open[open.count - 1].children.append(d) }
        }

        /// Closes whatever is still open, innermost first (the end of a conditional's file).
        mutating func closeAll() -> [ConfigDirective] {
            while let last = open.popLast() {
                var d = last.directive
                d.children = last.children
                append(d)
            }
            return top
        }
    }

    /// The whole file: every real section must be closed before its end.
    mutating func read<Host: ApacheReaderHost>(_ host: inout Host) throws -> [ConfigDirective] {
        var frame = Frame()
        while let line = next() { try process(line, &frame, &host) }
        if let open = frame.open.first?.directive {
            throw ConfigError(
                "<\(open.name)> is never closed (no </\(open.name)> before the end of the file)", at: open.at)
        }
        return frame.top
    }

    /// The body of a conditional that holds: up to a line that is exactly `</Name>` with nothing of
    /// its own left open, or to the end of the file (accepted, as httpd does).
    private mutating func readConditional<Host: ApacheReaderHost>(_ name: String, _ host: inout Host) throws
        -> [ConfigDirective]
    {
        var frame = Frame()
        let depth = enclosing.count
        let end = "</\(name.lowercased())>"
        while let line = next() {
            if frame.open.isEmpty, line.text.lowercased() == end { return frame.top }
            try process(line, &frame, &host)
        }
        enclosing.removeLast(enclosing.count - depth)
        return frame.closeAll()
    }

    /// A conditional that does not hold: skipped by its `<…`/`</…>` words (`ap_soak_end_container`).
    private mutating func soak(_ name: String, opener: ConfigLocation, depth: Int) throws {
        guard depth < ApacheConfigParser.maxNesting else {
            throw ConfigError("sections nested more than \(ApacheConfigParser.maxNesting) deep", at: opener)
        }
        while let line = next() {
            var rest = Substring(line.text)
            guard !line.text.hasPrefix("#"), let word = ApacheConfigParser.nextWord(&rest), word.hasPrefix("<") else {
                continue
            }
            if word.hasPrefix("</") {
                let closed = String(word.dropFirst(2).dropLast())
                guard closed.lowercased() == name.lowercased() else {
                    throw ConfigError("Expected </\(name)> but saw </\(closed)>", at: opener)
                }
                return
            }
            var nested = String(word.dropFirst())
            if rest.allSatisfy({ $0 == " " || $0 == "\t" }), nested.hasSuffix(">") { nested.removeLast() }
            // httpd reports a skipped section's errors at the line of the conditional it is running.
            try soak(nested, opener: opener, depth: depth + 1)
        }
        throw ConfigError(
            """
            Expected </\(name)> before end of configuration (<\(name)> is skipped here, so httpd reads on to its \
            end tag and refuses the file without one)
            """,
            at: opener)
    }

    private mutating func process<Host: ApacheReaderHost>(_ line: ApacheLine, _ frame: inout Frame, _ host: inout Host)
        throws
    {
        if line.text.isEmpty || line.text.hasPrefix("#") { return }
        let text = host.substitute(line.text, at: line.at)
        var rest = Substring(text)
        guard let word = ApacheConfigParser.nextWord(&rest), !word.isEmpty else { return }
        let at = line.at
        if word.hasPrefix("</") {
            guard let open = frame.open.last else {
                let bare = word.hasSuffix(">") ? String(word.dropFirst(2).dropLast()) : String(word.dropFirst(2))
                throw ConfigError("</\(bare)> without matching <\(bare)> section", at: at)
            }
            guard word.hasSuffix(">") else { throw ConfigError("\(word)> directive missing closing '>'", at: at) }
            let name = String(word.dropFirst(2).dropLast())
            guard name.lowercased() == open.directive.name.lowercased() else {
                throw ConfigError(
                    "</\(name)> closes <\(open.directive.name)> opened at line \(open.directive.at.line)", at: at)
            }
            frame.open.removeLast()
            enclosing.removeLast()
            var d = open.directive
            d.children = open.children
            frame.append(d)
            return
        }
        if word.hasPrefix("<") {
            var name = String(word.dropFirst())
            var argText = String(rest)
            if name.hasSuffix(">") {
                name.removeLast()
                argText = ""
            } else {
                guard let close = argText.lastIndex(of: ">") else {
                    throw ConfigError("<\(name)> directive missing closing '>'", at: at)
                }
                argText = String(argText[..<close])
            }
            guard !name.isEmpty else { throw ConfigError("empty section name", at: at) }
            let section = ConfigDirective(
                name: name, args: ApacheConfigParser.splitWords(argText), at: at, children: [])
            let key = section.key
            if ApacheConfigParser.conditionals.contains(key) {
                if try host.holds(section) {
                    let children = try readConditional(name, &host)
                    if host.keepsConditionals {
                        var d = section
                        d.children = children
                        frame.append(d)
                    } else {
                        for child in children { frame.append(child) }
                    }
                } else {
                    try soak(name, opener: at, depth: 0)
                }
                return
            }
            if key == "macro" {
                try host.macro(section, body: try macroBody(section))
                return
            }
            guard enclosing.count < ApacheConfigParser.maxNesting else {
                throw ConfigError("sections nested more than \(ApacheConfigParser.maxNesting) deep", at: at)
            }
            try host.opening(section, in: enclosing)
            frame.open.append((section, []))
            enclosing.append(key)
            return
        }
        let d = ConfigDirective(name: word, args: ApacheConfigParser.splitWords(String(rest)), at: at)
        switch try host.directive(d, in: enclosing) {
        case .directives(let list):
            for item in list { frame.append(item) }
        case .lines(let list):
            injected += list.count
            guard injected <= Self.maxInjectedLines, pending.count < 64 else {
                throw ConfigError(
                    "\(d.name) expands to more than \(Self.maxInjectedLines) lines or nests more than 64 deep", at: at)
            }
            pending.append(list)
            pendingIndex.append(0)
        }
    }

    /// The lines of a `<Macro>` up to its `</Macro>` (nested `<Macro>` counted), as mod_macro reads them.
    private mutating func macroBody(_ section: ConfigDirective) throws -> [ApacheLine] {
        var body: [ApacheLine] = []
        var depth = 0
        while let line = next() {
            var rest = Substring(line.text)
            let word = ApacheConfigParser.nextWord(&rest)?.lowercased() ?? ""
            if word.hasPrefix("</macro") {
                if depth == 0 { return body }
                depth -= 1
            } else if word.hasPrefix("<macro") {
                depth += 1
            }
            body.append(line)
        }
        throw ConfigError(
            "macro '\(section.args.first ?? "")' contents error: expected token not found: </Macro>", at: section.at)
    }
}
