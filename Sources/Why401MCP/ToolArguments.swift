import Foundation
import MCP

/// A tool call's arguments, read with one-line errors that name the argument and never its value
/// (a value may be a password or a token).
///
/// The MCP client already checked the arguments against the tool's input schema — or did not: every
/// getter checks the type again, and `expectOnly` refuses a misspelt name instead of ignoring it.
public struct ToolArguments: Sendable {
    /// The arguments as the client sent them.
    public var values: [String: Value]

    /// The arguments of a call; none (nil) is an empty object.
    public init(_ values: [String: Value]?) {
        self.values = values ?? [:]
    }

    /// Arguments from JSON object text, as a client sends them (for tests and other callers that
    /// hold JSON rather than `Value`s). Throws `ToolInputError` for anything but a JSON object.
    public init(json: String) throws {
        guard let object = try? JSONDecoder().decode([String: Value].self, from: Data(json.utf8)) else {
            throw ToolInputError("the arguments are not a JSON object")
        }
        self.init(object)
    }

    /// Refuses an argument the tool does not take (a typo would otherwise be silently ignored).
    public func expectOnly(_ names: [String]) throws {
        let unknown = values.keys.filter { !names.contains($0) }.sorted()
        guard let first = unknown.first else { return }
        let allowed = names.joined(separator: ", ")
        // A name is the client's own text: shown sanitised, and it is never a value.
        throw ToolInputError("unknown argument '\(Self.shown(first))' (this tool takes \(allowed))")
    }

    /// A string argument; nil when absent or JSON null.
    public func string(_ name: String) throws -> String? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .data?:
            // The SDK decodes a string that looks like a `data:` URL as data; give the text back.
            if let value = values[name], let encoded = try? JSONEncoder().encode(value),
                let text = try? JSONDecoder().decode(String.self, from: encoded)
            {
                return text
            }
            throw ToolInputError("\(name) must be a string")
        default: throw ToolInputError("\(name) must be a string")
        }
    }

    /// A string argument the tool cannot do without, and not empty.
    public func requiredString(_ name: String) throws -> String {
        guard let text = try string(name) else { throw ToolInputError("\(name) is required") }
        if text.allSatisfy(\.isWhitespace) { throw ToolInputError("\(name) is empty") }
        return text
    }

    /// A boolean argument; nil when absent or JSON null.
    public func bool(_ name: String) throws -> Bool? {
        switch values[name] {
        case nil, .null?: return nil
        case .bool(let flag)?: return flag
        default: throw ToolInputError("\(name) must be true or false")
        }
    }

    /// A whole-number argument; nil when absent or JSON null.
    public func integer(_ name: String) throws -> Int? {
        switch values[name] {
        case nil, .null?: return nil
        case .int(let number)?: return number
        case .double(let number)? where number.rounded() == number && abs(number) < 1e15: return Int(number)
        default: throw ToolInputError("\(name) must be a whole number")
        }
    }

    /// A list of strings; one string alone is a list of one. Nil when absent or JSON null.
    public func strings(_ name: String) throws -> [String]? {
        switch values[name] {
        case nil, .null?: return nil
        case .string(let text)?: return [text]
        case .array(let items)?:
            return try items.map { item in
                guard case .string(let text) = item else { throw ToolInputError("\(name) must be a list of strings") }
                return text
            }
        default: throw ToolInputError("\(name) must be a list of strings")
        }
    }

    /// Header fields as `"Name: value"` lines. Also takes `[name, value]` pairs (the web API's
    /// form) and an object of names to values, turned into the same lines.
    public func headerLines(_ name: String) throws -> [String] {
        let message = "\(name) must be a list of \"Name: value\" strings"
        switch values[name] {
        case nil, .null?: return []
        case .string(let line)?: return [line]
        case .object(let fields)?:
            return try fields.keys.sorted().map { key in
                guard case .string(let value)? = fields[key] else { throw ToolInputError(message) }
                return "\(key): \(value)"
            }
        case .array(let items)?:
            return try items.map { item in
                switch item {
                case .string(let line): return line
                case .array(let pair):
                    guard pair.count == 2, case .string(let key) = pair[0], case .string(let value) = pair[1] else {
                        throw ToolInputError(message)
                    }
                    return "\(key): \(value)"
                default: throw ToolInputError(message)
                }
            }
        default: throw ToolInputError(message)
        }
    }

    /// Text for a message: control characters escaped and at most 60 characters.
    static func shown(_ text: String) -> String {
        let clipped = text.count > 60 ? String(text.prefix(60)) + "…" : text
        return String(
            clipped.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}

/// An argument a tool cannot use: the tool answers with an MCP error result holding `message`.
public struct ToolInputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line naming the argument, never its value.
    public var message: String
    /// The message.
    public var description: String { message }

    /// An error with its one-line message.
    public init(_ message: String) {
        self.message = message
    }
}
