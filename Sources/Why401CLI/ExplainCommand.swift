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
            return try output.emit(CatalogReport.report(ExplainResult(entries: Catalog.entries, single: false)))
        }
        guard let entry = Catalog.entry(named: id) else {
            let suggestions = Catalog.nearest(to: id)
            let hint =
                suggestions.isEmpty
                ? "run 'why401 explain' to list all ids" : "did you mean \(suggestions.joined(separator: ", "))?"
            throw CLIFailure.usage("unknown finding id '\(Sanitize.line(id))': \(hint)")
        }
        try output.emit(CatalogReport.report(ExplainResult(entries: [entry], single: true)))
    }
}
