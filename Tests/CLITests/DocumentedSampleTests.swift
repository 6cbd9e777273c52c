// The README's and the guides' sample blocks against the golden transcripts (Tests/Golden, kept
// equal to real output by GoldenOutputTests), the documented exit codes against the code, and the
// documents' links and file paths against the repository.
//
// The convention the tests enforce: a fenced block WITHOUT an info string (a bare ```) is sample
// output. It starts with `$ why401 …` (or `$ echo … | why401 …`), each `$` line a command that has
// a golden transcript, and the lines under it are golden text; a line that is exactly `…` marks an
// elision. Anything else — a synopsis, a configuration, JSON — gets an info string (```text,
// ```sh, ```apache, ```nginx, ```json) and must not contain a verdict line.
import Foundation
import Report
import Testing

/// A fenced sample in Markdown: `$ command` and the lines shown under it. Every run of lines between
/// elisions must appear in the command's golden transcript, contiguous and in order. Trailing spaces
/// are ignored (editors strip them).
struct DocumentedSample: CustomStringConvertible {
    var file: String
    var line: Int
    var command: String
    var shown: [String]

    var description: String { "\(file):\(line) $ \(command)" }

    /// A fenced block: its info string ("" for a bare ```), first line number and lines.
    struct Block {
        var info: String
        var line: Int
        var lines: [String]
    }

    static func blocks(in text: String) -> [Block] {
        var blocks: [Block] = []
        var current: Block?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.hasPrefix("```") {
                if let block = current {
                    blocks.append(block)
                    current = nil
                } else {
                    current = Block(
                        info: String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces), line: index + 1, lines: []
                    )
                }
            } else {
                current?.lines.append(line)
            }
        }
        return blocks
    }

    /// The samples of the bare blocks of `text`. A bare block that does not start with `$ ` yields a
    /// sample with an empty command (reported by the tests: output with no command to check it by).
    static func samples(in text: String, file: String) -> [DocumentedSample] {
        var samples: [DocumentedSample] = []
        for block in blocks(in: text) where block.info.isEmpty {
            var current: DocumentedSample?
            for (offset, line) in block.lines.enumerated() {
                let number = block.line + 1 + offset
                if line.hasPrefix("$ ") {
                    if let c = current { samples.append(c) }
                    current = DocumentedSample(file: file, line: number, command: String(line.dropFirst(2)), shown: [])
                } else if current == nil {
                    current = DocumentedSample(file: file, line: number, command: "", shown: [line])
                } else {
                    current?.shown.append(line)
                }
            }
            if let c = current { samples.append(c) }
        }
        return samples
    }

    /// Nil when every shown run is in `transcript` (whose first line is `$ command`), else why not.
    func mismatch(in transcript: [String]) -> String? {
        let golden = transcript.map(Self.trimmed)
        var runs: [[String]] = [[]]
        for line in shown.map(Self.trimmed) {
            if line == "…" { runs.append([]) } else { runs[runs.count - 1].append(line) }
        }
        var position = 1
        for run in runs where !run.isEmpty {
            guard let start = Self.find(run, in: golden, from: position) else {
                return "\(self): these lines are not in the golden transcript (after line \(position)):\n"
                    + run.map { "  | " + $0 }.joined(separator: "\n")
            }
            position = start + run.count
        }
        return nil
    }

    static func trimmed(_ line: String) -> String {
        var s = Substring(line)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }

    static func find(_ run: [String], in lines: [String], from start: Int) -> Int? {
        guard run.count <= lines.count else { return nil }
        var i = start
        while i + run.count <= lines.count {
            if Array(lines[i..<(i + run.count)]) == run { return i }
            i += 1
        }
        return nil
    }

    /// A line that only real output has: a verdict (`✗ …`, `✓ …`) or a ranked finding (`1. [error] …`).
    static func isVerdictLine(_ line: String) -> Bool {
        line.hasPrefix("✗ ") || line.hasPrefix("✓ ")
            || line.range(of: #"^\s+\d+\. \[(error|warning|info)\]"#, options: .regularExpression) != nil
    }
}

@Suite("Documented samples, exit codes and paths match the real program")
struct DocumentedSampleTests {
    static func read(_ relative: String) throws -> String {
        try String(contentsOf: CLI.packageRoot.appendingPathComponent(relative), encoding: .utf8)
    }

    /// The README and every page in docs/ except the generated findings reference.
    static let documents: [String] = {
        let docs = CLI.packageRoot.appendingPathComponent("docs")
        let pages = (try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []
        return ["README.md", "Benchmarks/README.md"]
            + pages.filter { $0.hasSuffix(".md") && $0 != "findings.md" }.sorted().map { "docs/" + $0 }
    }()

    /// The command a golden runs, for "one example per command".
    static func commandName(_ display: String) -> String? {
        guard let range = display.range(of: "why401 ") else { return nil }
        let word = display[range.upperBound...].prefix { $0 != " " }
        return word.hasPrefix("http") ? "check" : String(word)
    }

    @Test func readmeIsShortAndShowsOneRealExamplePerCommand() throws {
        let readme = try Self.read("README.md")
        let lineCount = readme.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(lineCount <= 250, "README.md has \(lineCount) lines; the limit is 250 (move detail to docs/)")
        let goldens = try Golden.all()
        let shown = Set(
            DocumentedSample.samples(in: readme, file: "README.md")
                .filter { goldens["$ " + $0.command] != nil }.compactMap { Self.commandName($0.command) })
        let commands: Set = [
            "demo", "check", "curl", "har", "jwt", "challenge", "htpasswd", "server", "wordpress", "logs", "explain",
        ]
        #expect(
            shown == commands,
            "README examples with a golden transcript: missing \(commands.subtracting(shown).sorted())")
    }

    /// Every bare block of every document is `$ why401 …` samples whose lines are golden text.
    @Test(arguments: documents)
    func everySampleIsRealOutput(document: String) throws {
        let goldens = try Golden.all()
        for sample in DocumentedSample.samples(in: try Self.read(document), file: document) {
            guard !sample.command.isEmpty else {
                Issue.record(
                    """
                    \(sample): a bare block is sample output and starts with `$ why401 …`; give it an info string \
                    (text, sh, apache, nginx, json) if it is not output
                    """
                )
                continue
            }
            guard let transcript = goldens["$ " + sample.command] else {
                Issue.record(
                    "\(sample): no golden transcript runs this command (add a GoldenCase in GoldenOutputTests.swift)")
                continue
            }
            if let problem = sample.mismatch(in: transcript) { Issue.record(Comment(rawValue: problem)) }
        }
    }

    /// Output cannot hide from the check in a block with an info string.
    @Test(arguments: documents)
    func noOutputOutsideSamples(document: String) throws {
        for block in DocumentedSample.blocks(in: try Self.read(document)) where !block.info.isEmpty {
            for (offset, line) in block.lines.enumerated() where DocumentedSample.isVerdictLine(line) {
                Issue.record(
                    """
                    \(document):\(block.line + 1 + offset): output in a ```\(block.info) block; make it a bare `$ \
                    why401 …` sample
                    """
                )
            }
        }
    }

    /// Each golden's guide shows it: a `$ command` block for every transcript of the file.
    @Test(arguments: Set(GoldenCase.allCases.map(\.guide)).sorted())
    func everyGoldenIsShownInItsGuide(guide: String) throws {
        let commands = Set(DocumentedSample.samples(in: try Self.read(guide), file: guide).map { "$ " + $0.command })
        for golden in GoldenCase.allCases where golden.guide == guide {
            let text = try String(contentsOf: Golden.file(golden.rawValue), encoding: .utf8)
            for transcript in Golden.transcripts(in: text) {
                #expect(
                    commands.contains(transcript[0]),
                    "\(guide) shows no `\(transcript[0])` sample (\(golden.rawValue).txt)")
            }
        }
    }

    /// The matcher and the parser themselves: an excerpt passes; a changed line, a reordering or a
    /// missing elision fails; only bare blocks are samples.
    @Test func sampleMatcherCanFail() {
        let golden = ["$ why401 x", "a", "b", "c", "d", "[exit 1]"]
        func sample(_ shown: [String]) -> DocumentedSample {
            DocumentedSample(file: "t.md", line: 1, command: "why401 x", shown: shown)
        }
        #expect(sample(["a", "b"]).mismatch(in: golden) == nil)
        #expect(sample(["a", "…", "d  "]).mismatch(in: golden) == nil)
        #expect(sample(["a", "c"]).mismatch(in: golden) != nil, "a gap needs an elision mark")
        #expect(sample(["c", "…", "a"]).mismatch(in: golden) != nil, "runs keep their order")
        #expect(sample(["a", "B"]).mismatch(in: golden) != nil)
        #expect(sample(["$ why401 x"]).mismatch(in: golden) != nil, "the command line is not output")
        let parsed = DocumentedSample.samples(
            in: "```\n$ why401 a\n1\n$ why401 b\n2\n```\n```sh\n$ ls\n```\n```\nbare\n```\n", file: "t.md")
        #expect(parsed.map(\.command) == ["why401 a", "why401 b", ""])
        #expect(parsed.map(\.shown) == [["1"], ["2"], ["bare"]])
        #expect(parsed.map(\.line) == [2, 4, 11])
        #expect(DocumentedSample.isVerdictLine("✗ 401 Unauthorized — most likely: x"))
        #expect(DocumentedSample.isVerdictLine("  1. [error]   token.expired — …"))
        #expect(!DocumentedSample.isVerdictLine("why401 server [--apache DIR|FILE]"))
    }

    // MARK: links and paths

    /// Relative links lead to files that exist; backticked repository paths (`Sources/…`,
    /// `Tests/…`, `docs/…`, `Benchmarks/…`, `schema/…`) exist; nothing points outside the repository.
    @Test(arguments: documents)
    func linksAndPathsExist(document: String) throws {
        let text = try Self.read(document)
        let base = CLI.packageRoot.appendingPathComponent(document).deletingLastPathComponent()
        let links = try Regex(#"\]\(([^)#\s]+)(#[^)]*)?\)"#)
        for match in text.matches(of: links) {
            guard let target = match.output[1].substring.map(String.init), !target.contains("://") else { continue }
            let url = base.appendingPathComponent(target).standardizedFileURL
            #expect(FileManager.default.fileExists(atPath: url.path), "\(document): the link \(target) leads nowhere")
            #expect(
                url.path.hasPrefix(CLI.packageRoot.standardizedFileURL.path),
                "\(document): the link \(target) leaves the repository")
        }
        let paths = try Regex(#"`((?:Sources|Tests|docs|Benchmarks|schema)/[A-Za-z0-9_+./-]+)`"#)
        for match in text.matches(of: paths) {
            guard let path = match.output[1].substring.map(String.init), !path.contains("*") else { continue }
            #expect(
                FileManager.default.fileExists(atPath: CLI.packageRoot.appendingPathComponent(path).path),
                "\(document): \(path) does not exist")
        }
        for outside in ["../shared", "/work/", "notes/", "DESIGN.md"] {
            #expect(!text.contains(outside), "\(document) refers to \(outside), which is not in the repository")
        }
    }

    // MARK: exit codes

    /// The exit-code table of `text`, as written: rows `| N | `outcome`, … | meaning |` whose first
    /// cell is one digit; exit code → the JSON outcomes named (backticked) in the second cell.
    static func exitTable(_ text: String) -> [Int32: Set<String>] {
        var table: [Int32: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("|") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count >= 4, cells[1].count == 1, let code = Int32(cells[1]) else { continue }
            let outcomes = cells[2].split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset % 2 == 1 }.map { String($0.element) }
            table[code, default: []].formUnion(outcomes)
        }
        return table
    }

    /// What the code says: each outcome's exit code (`DiagnosticReport.Outcome.exitCode`), and 2 for
    /// usage errors, which have no outcome (the argument parser's).
    static var codeTable: [Int32: Set<String>] {
        var table: [Int32: Set<String>] = [2: []]
        for outcome in DiagnosticReport.Outcome.allCases {
            table[outcome.exitCode, default: []].insert(outcome.rawValue)
        }
        return table
    }

    @Test(arguments: ["README.md", "docs/output.md"])
    func exitCodeTableMatchesTheCode(file: String) throws {
        let documented = Self.exitTable(try Self.read(file))
        #expect(documented == Self.codeTable, "\(file)'s exit-code table: \(documented), the code: \(Self.codeTable)")
    }

    /// The table parser reads the table as the documents write it, and a wrong table differs.
    @Test func exitTableParserCanFail() {
        let right = """
            | exit | JSON `outcome` | meaning |
            |---|---|---|
            | 0 | `ok` | nothing wrong |
            | 1 | `problems`, `unauthorized` | a finding at or above `--fail-on` |
            | 2 | — | usage |
            | 3 | `error` | could not complete |
            """
        #expect(Self.exitTable(right) == Self.codeTable)
        #expect(
            Self.exitTable(right.replacingOccurrences(of: "| 3 | `error`", with: "| 1 | `error`")) != Self.codeTable)
        #expect(Self.exitTable(right.replacingOccurrences(of: "`problems`, ", with: "")) != Self.codeTable)
        #expect(Self.exitTable("Exit codes: 0 ok, 1 problems, 2 usage, 3 error.").isEmpty)
    }

    @Test func failOnIsDocumentedAsImplemented() throws {
        let output = try Self.read("docs/output.md")
        for level in FailOn.allCases {
            #expect(
                output.contains("`--fail-on \(level.rawValue)`"),
                "docs/output.md does not describe --fail-on \(level.rawValue)")
        }
        #expect(ExitPolicy().failOn == .error)
        #expect(output.contains("`--fail-on error` (the default)"))
        #expect(try Self.read("README.md").contains("`--fail-on error|warning`"))
        // Every command takes it (the README says so): each subcommand's help lists the option.
        for command in [
            "check", "har", "jwt", "challenge", "htpasswd verify", "htpasswd lint", "server", "wordpress", "logs",
            "explain", "demo", "lab",
        ] {
            let help = try CLI.run(command.split(separator: " ").map(String.init) + ["--help"])
            #expect(help.stdout.contains("--fail-on <fail-on>"), "why401 \(command) --help lists no --fail-on")
        }
        // `curl` parses its own options before the pasted command: --fail-on must be one of them, so
        // this run gets as far as the refused connection (exit 3) instead of a usage error (exit 2).
        let curl = try CLI.run(["curl", "--fail-on", "warning", "curl 'http://127.0.0.1:1/x'"])
        #expect(curl.status == 3, "why401 curl --fail-on warning …: exit \(curl.status), \(curl.stderr)")
    }
}
