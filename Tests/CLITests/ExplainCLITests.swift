import Diagnosis
import Foundation
import TestSupport
import Testing

@Suite struct ExplainCLITests {
    @Test func listsEveryCatalogIdAndExitsZero() throws {
        let result = try CLI.run(["explain"])
        #expect(result.status == 0)
        #expect(!Catalog.entries.isEmpty)
        for entry in Catalog.entries {
            #expect(result.stdout.contains(entry.id.rawValue + " "), "missing \(entry.id)")
        }
        #expect(result.stdout.contains("\(Catalog.entries.count) diagnoses"))
    }

    @Test func explainOneEntryInText() throws {
        let result = try CLI.run(["explain", "token.expired"])
        #expect(result.status == 0)
        let entry = try #require(Catalog.entry("token.expired"))
        #expect(result.stdout.hasPrefix("token.expired — \(entry.title)"))
        #expect(result.stdout.contains("Fix"))
        #expect(result.stdout.contains(entry.references[0]))
    }

    @Test func explainTokenExpiredJSONValidatesAgainstSchema() throws {
        let result = try CLI.run(["explain", "token.expired", "--json"])
        #expect(result.status == 0)
        #expect(try SchemaValidator.validate(result.stdout) == nil)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["command"] as? String == "explain")
        // The catalog as a catalog: the entry under "catalog", no verdict.
        #expect((object?["findings"] as? [Any])?.isEmpty == true)
        #expect(object?["cause"] is NSNull)
        let catalog = object?["catalog"] as? [[String: Any]]
        #expect(catalog?.count == 1)
        #expect(catalog?.first?["id"] as? String == "token.expired")
        #expect(catalog?.first?["explanation"] as? String == Catalog.entry("token.expired")?.explanation)
        #expect((catalog?.first?["fix"] as? [String])?.isEmpty == false)
    }

    @Test("explain --json lists every entry under catalog, without a cause or an OK verdict")
    func catalogJSON() throws {
        let result = try CLI.run(["explain", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(
            (object?["catalog"] as? [[String: Any]])?.map { $0["id"] as? String } == Catalog.entries.map(\.id.rawValue))
        #expect(object?["cause"] is NSNull)
        #expect((object?["findings"] as? [Any])?.isEmpty == true)
        let markdown = try CLI.run(["explain", "--format", "markdown"])
        #expect(markdown.stdout.hasPrefix("# why401 findings reference\n"))
        #expect(!markdown.stdout.contains("✓ OK"))
        #expect(markdown.stdout.components(separatedBy: "\n### `").count - 1 == Catalog.entries.count)
    }

    /// docs/findings.md is `why401 explain --format markdown`: stale in either direction fails.
    /// `WHY401_REGENERATE=1 swift test --filter ExplainCLITests` rewrites it.
    @Test("docs/findings.md is the generated findings reference")
    func findingsReferenceIsCurrent() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("docs/findings.md").path
        let generated = try CLI.run(["explain", "--format", "markdown"]).stdout
        if ProcessInfo.processInfo.environment["WHY401_REGENERATE"] == "1" {
            try generated.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        #expect(
            committed == generated,
            "docs/findings.md is stale: run WHY401_REGENERATE=1 swift test --filter ExplainCLITests")
    }

    @Test(arguments: [
        ["explain", "--json"], ["explain", "--format", "json"], ["explain", "clock.skew", "--format", "json"],
    ])
    func everyJSONOutputValidates(arguments: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 0)
        #expect(try SchemaValidator.validate(result.stdout) == nil)
    }

    @Test func markdownFormat() throws {
        let result = try CLI.run(["explain", "credentials.rejected", "--format", "markdown"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("# why401 explain: credentials.rejected"))
        #expect(result.stdout.contains("### `credentials.rejected` — "))
        #expect(result.stdout.contains("Fix:\n- "))
    }

    @Test func unknownIdExitsTwoWithOneLineAndSuggestions() throws {
        let result = try CLI.run(["explain", "token.expird"])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.contains("did you mean token.expired"))
    }

    @Test func hostileIdIsNotEchoedRaw() throws {
        let result = try CLI.run(["explain", "x\u{1B}[2Jy"])
        #expect(result.status == 2)
        #expect(!result.stderr.contains("\u{1B}"))
    }
}

@Suite struct GeneralCLITests {
    @Test func versionAndHelp() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit codes"))
        #expect(help.stdout.contains("explain"))
        // every "Start here" example names a command that exists (or is a URL for the default `check`),
        // for the client side and for admins alike
        let examples = help.stdout.split(separator: "\n").filter { $0.hasPrefix("  why401 ") }.map {
            $0.split(separator: " ")[1]
        }
        #expect(
            Set(examples).isSuperset(of: [
                "demo", "challenge", "jwt", "server", "logs", "wordpress", "htpasswd", "explain",
            ]))
        let subcommands = Set(
            help.stdout.components(separatedBy: "SUBCOMMANDS:").last?.split(separator: "\n")
                .compactMap { $0.hasPrefix("  ") && !$0.hasPrefix("   ") ? $0.split(separator: " ").first : nil } ?? [])
        for command in Set(examples) where !command.hasPrefix("https://") {
            #expect(subcommands.contains(command), "why401 \(command) is not a subcommand")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScripts(shell: String) throws {
        let result = try CLI.run(["--generate-completion-script", shell])
        #expect(result.status == 0)
        #expect(result.stdout.contains("why401"))
        #expect(result.stdout.contains("explain"))
    }

    @Test(arguments: [["--no-such-flag"], ["explain", "--format", "yaml"], ["nosuchcommand"], ["explain", "a", "b"]])
    func usageErrorsExitTwoWithOneLine(arguments: [String]) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("why401: "))
    }

    /// Colour appears on a real terminal and never with NO_COLOR (util-linux `script` gives a TTY).
    @Test func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        guard let script = ProcessRunner.which("script") else {
            Issue.record("util-linux 'script' is needed to give the CLI a terminal")
            return
        }
        let binary = try CLI.binary
        let plain = try CLI.run(["explain", "token.expired"])
        #expect(!plain.stdout.contains("\u{1B}["), "colour on a pipe")
        let tty = try ProcessRunner.run(
            script, ["-qec", "\(binary) explain token.expired", "/dev/null"],
            environment: ["TERM": "xterm", "NO_COLOR": ""], timeout: 60)
        #expect(tty.stdout.contains("\u{1B}[1m"), "no colour on a terminal")
        let noColor = try ProcessRunner.run(
            script, ["-qec", "NO_COLOR=1 \(binary) explain token.expired", "/dev/null"],
            environment: ["TERM": "xterm", "NO_COLOR": ""], timeout: 60)
        #expect(!noColor.stdout.contains("\u{1B}["), "colour despite NO_COLOR")
    }
}
