import Diagnosis
import Evidence
import Foundation
import HostAccess
import ServerConfig
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Shared helpers for the configuration-audit tests: audit the config a real server was started
/// from, find a finding, and locate a line of the generated config.
enum ConfigAuditHelpers {
    static let users: [(user: String, password: String, format: Htpasswd.Format)] = [("alice", "Secret123", .bcrypt)]
    static var alice: (String, String) { HTTPProbe.basic(user: "alice", password: "Secret123") }

    static func audit(apache server: ApacheServer) throws -> (ServerConfigFacts, [Finding]) {
        let result = try ConfigAudit.apache(server.configPath, worker: nil)
        return (result.facts, ConfigRules.run(result.facts))
    }

    static func audit(nginx server: NginxServer) throws -> (ServerConfigFacts, [Finding]) {
        let result = try ConfigAudit.nginx(server.configPath, worker: nil)
        return (result.facts, ConfigRules.run(result.facts))
    }

    /// The 1-based line of the first line of `file` containing `needle` (after `after` if given).
    static func line(of needle: String, in file: String, after: String? = nil) throws -> Int {
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        var started = after == nil
        for (i, l) in lines.enumerated() {
            if !started, let after, l.contains(after) {
                started = true
                continue
            }
            if started, l.contains(needle) { return i + 1 }
        }
        throw ConfigHarnessFailure("\(needle) not in \(file)")
    }

    static func finding(_ id: FindingID, in findings: [Finding], sourceLocation: SourceLocation = #_sourceLocation)
        throws -> Finding
    {
        try #require(
            findings.first { $0.id == id }, "expected \(id), got \(findings.map(\.id))", sourceLocation: sourceLocation)
    }

    /// Finding text where file:line must appear (detail, evidence and fix together).
    static func text(_ f: Finding) -> String { ([f.detail] + f.evidence + f.fix).joined(separator: "\n") }

    static func errors(_ findings: [Finding]) -> [String] {
        findings.filter { $0.severity == .error || $0.severity == .warning }.map { "\($0.id): \($0.detail)" }
    }

    static var isRoot: Bool { geteuid() == 0 }
}

struct ConfigHarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
