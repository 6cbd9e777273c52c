import Checkup
import MCP
import Report
import Why401Kit

/// The settings of `why401 mcp` itself, which every tool call runs under.
public struct MCPSettings: Sendable, Equatable {
    /// `--max-time`: seconds for a whole live check (`diagnose_url`, `diagnose_curl`), as the CLI's
    /// `--max-time`; also what bounds every call, so a target that never answers cannot hang the
    /// assistant. Default 60.
    public var maxTime: Double

    /// Settings with `--max-time` (seconds).
    public init(maxTime: Double = 60) {
        self.maxTime = maxTime
    }

    /// The CLI's limits for `--max-time` (more than 0, at most 3600 seconds), from the library.
    /// Throws `AuditFailure.usage`.
    public func validate() throws {
        var limits = CheckRequest(url: "")
        limits.maxTime = maxTime
        try limits.validateLimits()
    }

    /// Seconds for one request of a plan (and for fetching a JWKS URL): the CLI's default 10, never
    /// more than `maxTime`.
    public var requestTimeout: Double { min(10, maxTime) }

    /// The call as a whole: the plan's time, one request that started just before it ran out, and a
    /// margin for building the report. A pasted command's own `--max-time` cannot go past it.
    public var callBound: Double { maxTime + requestTimeout + 5 }

    /// The plan settings a live check runs with: the CLI's defaults (3 repeats, at most 4
    /// credentialed requests), with the time limits above.
    public func planSettings(url: String) -> CheckRequest {
        CheckRequest.frontEnd(url: url, maxTime: maxTime)
    }
}

/// One tool of `why401 mcp`: what a client lists (name, description, input schema) and how a call
/// becomes a library entry point call and its report. Each tool maps its arguments to the entry
/// point's request value in a pure function the tests call directly.
public protocol Why401Tool: Sendable {
    /// The tool's name, as clients call it.
    static var name: String { get }
    /// The definition `tools/list` returns: description and JSON schema of the input.
    static var definition: Tool { get }
    /// Runs the tool. Throws `ToolInputError` or `AuditFailure` for a call that cannot be answered;
    /// the server turns either into an MCP tool error result.
    static func call(_ arguments: ToolArguments, settings: MCPSettings) async throws -> ToolOutput
}

extension ToolOutput {
    /// A live check's result (`diagnose_url`, `diagnose_curl`): the report, or — when the request got
    /// no HTTP answer at all — an error result with the reason and the report of what was tried.
    init(check result: CheckResult) {
        let report = CheckReport.report(result)
        if let reason = result.incomplete {
            self = .incomplete(reason, report: report)
        } else {
            self.init(report: report)
        }
    }
}

/// The schema building blocks the tools share.
enum Schema {
    static func object(_ properties: [String: Value], required: [String] = []) -> Value {
        var schema: [String: Value] = [
            "type": "object", "properties": .object(properties), "additionalProperties": false,
        ]
        if !required.isEmpty { schema["required"] = .array(required.map(Value.string)) }
        return .object(schema)
    }

    static func string(_ description: String) -> Value {
        ["type": "string", "description": .string(description)]
    }

    static func boolean(_ description: String) -> Value {
        ["type": "boolean", "description": .string(description)]
    }

    static func integer(_ description: String) -> Value {
        ["type": "integer", "description": .string(description)]
    }

    static func strings(_ description: String) -> Value {
        ["type": "array", "items": ["type": "string"], "description": .string(description)]
    }
}
