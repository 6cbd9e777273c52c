import Foundation
import Evidence

/// Apache httpd's configuration syntax, as `ap_cfg_getline` and `ap_getword_conf` read it: one
/// directive per line, a trailing backslash continues the line, `#` starts a comment only at the
/// start of a line, arguments are separated by blanks and may be quoted with `"` or `'` (a
/// backslash escapes the quote), and `<Name args>` … `</Name>` encloses a section.
///
/// This parser only builds the tree; `Include`, `Define` and `<IfModule>` are the loader's job.
public enum ApacheConfigParser {
    static let maxNesting = 128

    public static func parse(_ text: String, file: String) throws -> [ConfigDirective] {
        var stack: [(name: String, args: [String], at: ConfigLocation, children: [ConfigDirective])] = []
        var top: [ConfigDirective] = []

        func append(_ d: ConfigDirective) {
            if stack.isEmpty { top.append(d) } else { stack[stack.count - 1].children.append(d) }
        }

        for (line, number) in logicalLines(text) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let at = ConfigLocation(file: file, line: number)
            if trimmed.hasPrefix("</") {
                guard trimmed.hasSuffix(">") else { throw ConfigError("section end \(trimmed) lacks its closing '>'", at: at) }
                let name = String(trimmed.dropFirst(2).dropLast()).trimmingCharacters(in: .whitespaces)
                guard let open = stack.popLast() else { throw ConfigError("</\(name)> without matching <\(name)> section", at: at) }
                guard open.name.lowercased() == name.lowercased() else {
                    throw ConfigError("</\(name)> closes <\(open.name)> opened at line \(open.at.line)", at: at)
                }
                append(ConfigDirective(name: open.name, args: open.args, at: open.at, children: open.children))
            } else if trimmed.hasPrefix("<") {
                guard trimmed.hasSuffix(">") else { throw ConfigError("<\(trimmed.dropFirst().prefix(40)) section lacks its closing '>'", at: at) }
                let inner = String(trimmed.dropFirst().dropLast())
                let words = splitWords(inner)
                guard let name = words.first, !name.isEmpty else { throw ConfigError("empty section name", at: at) }
                // Real configurations nest a handful of levels; a bound keeps hostile input from exhausting the stack later.
                guard stack.count < maxNesting else { throw ConfigError("sections nested more than \(maxNesting) deep", at: at) }
                stack.append((name, Array(words.dropFirst()), at, []))
            } else {
                let words = splitWords(trimmed)
                guard let name = words.first else { continue }
                append(ConfigDirective(name: name, args: Array(words.dropFirst()), at: at))
            }
        }
        if let open = stack.last {
            throw ConfigError("<\(open.name)> is never closed (no </\(open.name)> before the end of the file)", at: open.at)
        }
        return top
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
        let chars = Array(line)
        var i = 0
        while i < chars.count {
            while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
            guard i < chars.count else { break }
            var word = ""
            if chars[i] == "\"" || chars[i] == "'" {
                let quote = chars[i]
                i += 1
                while i < chars.count, chars[i] != quote {
                    if chars[i] == "\\", i + 1 < chars.count, chars[i + 1] == quote || chars[i + 1] == "\\" {
                        i += 1
                    }
                    word.append(chars[i])
                    i += 1
                }
                i += 1
            } else {
                while i < chars.count, chars[i] != " " && chars[i] != "\t" {
                    word.append(chars[i])
                    i += 1
                }
            }
            words.append(word)
        }
        return words
    }
}
