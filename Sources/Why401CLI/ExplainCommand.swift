import ArgumentParser
import Diagnosis
import Report

/// `why401 explain [ID]`: the catalog, as a list or one entry.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Describe a diagnosis by id, or list them all.",
        discussion: """
            Every finding why401 reports has a stable id (area.name). `why401 explain` lists them all with \
            severity and audience; `why401 explain ID` prints the explanation, the fix steps and the \
            references. An unknown id exits 2 and suggests the nearest ones.
            """
    )

    @Argument(help: "A finding id such as token.expired. Omit to list every id.")
    var id: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        guard let id else {
            switch output.effectiveFormat {
            case .text: print(ExplainText.list(Catalog.entries), terminator: "")
            case .markdown: print(CatalogReport.markdown(Catalog.entries, title: "why401 findings reference"), terminator: "")
            case .json: try output.emit(CatalogReport.report(Catalog.entries, subject: "catalog"))
            }
            return
        }
        guard let entry = Catalog.entry(id) else {
            let suggestions = Catalog.nearest(to: id)
            let hint = suggestions.isEmpty ? "run 'why401 explain' to list all ids" : "did you mean \(suggestions.joined(separator: ", "))?"
            throw CLIFailure.usage("unknown finding id '\(Sanitize.line(id))': \(hint)")
        }
        switch output.effectiveFormat {
        case .text: print(ExplainText.entry(entry), terminator: "")
        case .markdown: print(CatalogReport.markdown([entry], title: "why401 explain: \(entry.id)"), terminator: "")
        case .json: try output.emit(CatalogReport.report([entry], subject: entry.id))
        }
    }
}

/// The text forms of `explain`: a catalog entry reads better as a page than as a finding list.
enum ExplainText {
    static func entry(_ entry: CatalogEntry) -> String {
        let renderer = TextRenderer(color: Terminal.wantsColor)
        var lines = [renderer.bold(entry.id) + " — " + entry.title]
        lines.append("severity: \(entry.severity.rawValue)   for the \(entry.audience.rawValue)")
        lines.append("")
        lines += renderer.wrap(entry.explanation, indent: "")
        lines.append("")
        lines.append(renderer.bold("Fix"))
        for step in entry.fix {
            let stepLines = step.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines += renderer.wrap(stepLines[0], indent: "  → ", hanging: "    ")
            lines += stepLines.dropFirst().map { "    " + $0 }
        }
        lines.append("")
        lines.append(renderer.bold("References"))
        lines += entry.references.map { "  " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    static func list(_ entries: [CatalogEntry]) -> String {
        var lines: [String] = []
        var area = ""
        let width = entries.map(\.id.count).max() ?? 0
        for entry in entries {
            if entry.area != area {
                area = entry.area
                if !lines.isEmpty { lines.append("") }
            }
            let padded = entry.id + String(repeating: " ", count: width - entry.id.count)
            let severity = entry.severity.rawValue + String(repeating: " ", count: 7 - entry.severity.rawValue.count)
            let audience = entry.audience.rawValue + String(repeating: " ", count: 5 - entry.audience.rawValue.count)
            lines.append("\(padded)  \(severity)  \(audience)  \(entry.title)")
        }
        lines.append("")
        lines.append("\(entries.count) diagnoses. 'why401 explain ID' prints one with its fix.")
        return lines.joined(separator: "\n") + "\n"
    }
}
