import Foundation
import TestSupport
import Testing

/// Runs the real `why401` binary that `swift build --build-tests` put beside the test bundle.
enum CLI {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The built binary: same products directory as this test bundle.
    static var binary: String {
        get throws {
            var dir = Bundle.main.bundleURL
            for _ in 0..<4 {
                let candidate = dir.appendingPathComponent("why401").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
            let fallback = packageRoot.appendingPathComponent(".build/debug/why401").path
            if FileManager.default.isExecutableFile(atPath: fallback) { return fallback }
            throw HarnessError(
                "why401 binary not found next to \(Bundle.main.bundleURL.path); run 'swift build --build-tests' first")
        }
    }

    @discardableResult
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:]) throws
        -> ProcessResult
    {
        var env = environment
        env["NO_COLOR"] = env["NO_COLOR"] ?? ""
        return try ProcessRunner.run(try binary, arguments, stdin: stdin, environment: env, timeout: 60)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Validates JSON text against `schema/report-1.schema.json` with Python's `jsonschema`
/// (an independent, well-kept implementation; `.ci/run` installs it).
enum SchemaValidator {
    static func validate(_ json: String) throws -> String? {
        let schema = CLI.packageRoot.appendingPathComponent("schema/report-1.schema.json").path
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            doc = json.loads(sys.stdin.read())
            errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
            for e in errors: print("/".join(map(str, e.path)) + ": " + e.message)
            sys.exit(1 if errors else 0)
            """
        let result = try ProcessRunner.run("python3", ["-c", script, schema], stdin: json, timeout: 60)
        if result.status == 0 { return nil }
        if result.stderr.contains("No module named") {
            throw HarnessError("python3 jsonschema is missing: .ci/run installs it (pip install jsonschema)")
        }
        return result.stdout + result.stderr
    }
}

// MARK: - helpers added for the golden-output and documentation tests

extension CLI {
    /// Runs the binary with `directory` as its working directory, so a command can name its input
    /// files relatively (`why401 logs access.log`) and print no machine-specific path.
    @discardableResult
    static func run(
        _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], in directory: String
    ) throws -> ProcessResult {
        var env = environment
        env["NO_COLOR"] = env["NO_COLOR"] ?? ""
        return try ProcessRunner.run(
            try binary, arguments, stdin: stdin, environment: env, currentDirectory: directory, timeout: 60)
    }
}

/// A program a test cannot do without (`script` for a pseudo-terminal, `htpasswd` for real hashes).
/// Under `CI=true` a missing tool is a failure (`.ci/run` installs them); elsewhere the test is
/// cancelled — reported as skipped, with the reason — never passed silently.
enum RequiredTool {
    static func path(_ name: String, package: String, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> String
    {
        if let path = ProcessRunner.which(name) { return path }
        let message = "\(name) is not installed (Debian package \(package); .ci/run installs it)"
        if RealServers.isCI {
            throw HarnessError(message + " — CI=true: a missing tool is a failure")
        }
        try Test.cancel("SKIPPED: \(message)", sourceLocation: sourceLocation)
        throw HarnessError("SKIPPED: " + message)
    }
}
