import Evidence
import Foundation
import HostAccess

/// nginx's configuration syntax (ngx_conf_file.c): words separated by blanks, `;` ends a directive,
/// `{ … }` holds a block, `#` starts a comment where a word could start, `"…"`/`'…'` quote a word
/// (a backslash escapes the next character), `${var}` inside a word does not open a block.
public enum NginxConfigParser {
    enum Token: Equatable {
        case word(String, line: Int)
        case semicolon(line: Int)
        case open(line: Int)
        case close(line: Int)
    }

    public static func parse(_ text: String, file: String) throws -> [ConfigDirective] {
        let tokens = try tokenize(text, file: file)
        var index = 0
        let result = try block(tokens, &index, file: file, depth: 0, opener: nil)
        return result
    }

    static func block(_ tokens: [Token], _ i: inout Int, file: String, depth: Int, opener: ConfigLocation?) throws
        -> [ConfigDirective]
    {
        guard depth < 64 else { throw ConfigError("blocks nested more than 64 deep", at: opener) }
        var out: [ConfigDirective] = []
        var words: [String] = []
        var firstLine = 0
        while i < tokens.count {
            let token = tokens[i]
            i += 1
            switch token {
            case .word(let w, let line):
                if words.isEmpty { firstLine = line }
                words.append(w)
            case .semicolon(let line):
                guard let name = words.first else {
                    throw ConfigError("unexpected \";\"", at: ConfigLocation(file: file, line: line))
                }
                out.append(
                    ConfigDirective(
                        name: name, args: Array(words.dropFirst()), at: ConfigLocation(file: file, line: firstLine)))
                words = []
            case .open(let line):
                guard let name = words.first else {
                    throw ConfigError("unexpected \"{\"", at: ConfigLocation(file: file, line: line))
                }
                let at = ConfigLocation(file: file, line: firstLine)
                let children = try block(tokens, &i, file: file, depth: depth + 1, opener: at)
                out.append(ConfigDirective(name: name, args: Array(words.dropFirst()), at: at, children: children))
                words = []
            case .close(let line):
                if !words.isEmpty {
                    throw ConfigError(
                        "\"\(words[0])\" directive is not terminated by \";\"",
                        at: ConfigLocation(file: file, line: firstLine))
                }
                guard opener != nil else {
                    throw ConfigError("unexpected \"}\"", at: ConfigLocation(file: file, line: line))
                }
                return out
            }
        }
        if !words.isEmpty {
            throw ConfigError(
                "unexpected end of file, expecting \";\" or \"}\" after \"\(words[0])\"",
                at: ConfigLocation(file: file, line: firstLine))
        }
        if let opener {
            throw ConfigError(
                "unexpected end of file, expecting \"}\" (the block opened here is never closed)", at: opener)
        }
        return out
    }

    /// The first word of the statement the tokens end in (after the last `;`, `{` or `}`).
    static func statementName(_ tokens: ArraySlice<Token>) -> String? {
        var name: String?
        for token in tokens.reversed() {
            guard case .word(let w, _) = token else { break }
            name = w
        }
        return name
    }

    /// Moves `i` past the `}` that closes a Lua block (strings and `--` comments skipped); false at EOF.
    static func skipLuaBlock(_ chars: [Unicode.Scalar], _ i: inout Int, _ line: inout Int) -> Bool {
        var depth = 1
        while i < chars.count {
            let c = chars[i]
            if c == "\n" { line += 1 }
            if c == "\"" || c == "'" {
                i += 1
                while i < chars.count, chars[i] != c {
                    if chars[i] == "\\" { i += 1 }
                    if i < chars.count, chars[i] == "\n" { line += 1 }
                    i += 1
                }
            } else if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            } else if c == "{" {
                depth += 1
            } else if c == "}" {
                depth -= 1
                if depth == 0 {
                    i += 1
                    return true
                }
            }
            i += 1
        }
        return false
    }

    static func tokenize(_ text: String, file: String) throws -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text.unicodeScalars)
        var i = 0
        var line = 1
        func isSpace(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || c == "\r" || c == "\n" }
        while i < chars.count {
            let c = chars[i]
            if c == "\n" {
                line += 1
                i += 1
                continue
            }
            if isSpace(c) {
                i += 1
                continue
            }
            if c == "#" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            }
            if c == ";" {
                tokens.append(.semicolon(line: line))
                i += 1
                continue
            }
            if c == "{" {
                tokens.append(.open(line: line))
                i += 1
                // `content_by_lua_block { … }` (OpenResty, lua-nginx-module) holds Lua, not directives:
                // nginx hands the text to Lua, so it is skipped here up to its matching brace.
                if let name = statementName(tokens.dropLast()), name.hasSuffix("_by_lua_block") {
                    let start = line
                    guard skipLuaBlock(chars, &i, &line) else {
                        throw ConfigError(
                            "unexpected end of file, expecting \"}\" (the \(name) opened here is never closed)",
                            at: ConfigLocation(file: file, line: start))
                    }
                    tokens.append(.close(line: line))
                }
                continue
            }
            if c == "}" {
                tokens.append(.close(line: line))
                i += 1
                continue
            }
            let startLine = line
            var word = String.UnicodeScalarView()
            if c == "\"" || c == "'" {
                let quote = c
                i += 1
                var closed = false
                while i < chars.count {
                    let d = chars[i]
                    if d == "\\", i + 1 < chars.count {
                        let next = chars[i + 1]
                        switch next {
                        case "\"", "'", "\\": word.append(next)
                        case "n": word.append("\n")
                        case "t": word.append("\t")
                        case "r": word.append("\r")
                        default:
                            word.append(d)
                            word.append(next)
                        }
                        if next == "\n" { line += 1 }
                        i += 2
                        continue
                    }
                    if d == quote {
                        closed = true
                        i += 1
                        break
                    }
                    if d == "\n" { line += 1 }
                    word.append(d)
                    i += 1
                }
                guard closed else {
                    throw ConfigError(
                        "unexpected end of file inside a quoted string", at: ConfigLocation(file: file, line: startLine)
                    )
                }
                tokens.append(.word(String(word), line: startLine))
                continue
            }
            while i < chars.count {
                let d = chars[i]
                if isSpace(d) || d == ";" || d == "}" { break }
                if d == "{" {
                    // `${var}` is part of the word; a bare `{` opens a block.
                    guard let last = word.last, last == "$" else { break }
                    while i < chars.count, chars[i] != "}" {
                        word.append(chars[i])
                        i += 1
                    }
                    if i < chars.count {
                        word.append(chars[i])
                        i += 1
                    }
                    continue
                }
                if d == "\\", i + 1 < chars.count {
                    word.append(chars[i + 1])
                    i += 2
                    continue
                }
                word.append(d)
                i += 1
            }
            tokens.append(.word(String(word), line: startLine))
        }
        return tokens
    }
}

/// An nginx configuration with every `include` spliced in.
public struct NginxConfig: Sendable {
    public var mainFile: String
    /// Relative paths in `include` and `auth_basic_user_file` resolve against this (nginx's conf prefix).
    public var prefix: String
    public var directives: [ConfigDirective]
    public var filesRead: [String]
    public var notes: [String]
}

public struct NginxConfigLoader: IncludingConfigLoader {
    var prefix: String
    var filesRead: [String] = []
    var notes: [String] = []
    var includeStack: [String] = []

    public static func load(_ path: String) throws -> NginxConfig {
        let main = ConfigFile.normalize(
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        var loader = NginxConfigLoader(prefix: ConfigFile.directoryName(main))
        let directives = try loader.loadFile(main, from: nil)
        try NginxDirectives.validate(directives, mainFile: main)
        return NginxConfig(
            mainFile: main, prefix: loader.prefix, directives: directives, filesRead: loader.filesRead,
            notes: loader.notes)
    }

    static let maxDepth = 64
    mutating func read(_ text: String, file: String) throws -> [ConfigDirective] {
        try expand(NginxConfigParser.parse(text, file: file))
    }

    mutating func expand(_ directives: [ConfigDirective]) throws -> [ConfigDirective] {
        var out: [ConfigDirective] = []
        for var d in directives {
            if d.key == "include", !d.isSection {
                guard let target = d.args.first else { throw ConfigError("include needs a path", at: d.at) }
                let path = ConfigFile.resolve(target, against: prefix)
                if ConfigFile.hasWildcard(path) {
                    // nginx accepts a wildcard that matches nothing.
                    for file in ConfigFile.glob(path) where !ConfigFile.isDirectory(file) {
                        out += try loadFile(file, from: d.at)
                    }
                } else {
                    guard ConfigFile.exists(path) else {
                        throw ConfigError(
                            "include \(target): \(path) does not exist (nginx refuses to start)", at: d.at)
                    }
                    out += try loadFile(path, from: d.at)
                }
                continue
            }
            if let children = d.children { d.children = try expand(children) }
            out.append(d)
        }
        return out
    }
}
