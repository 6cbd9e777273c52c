/// The library entry points: one static function per use case, each taking a request value and
/// returning a result value that a `Report` builder renders (text, Markdown, JSON, HTML).
///
/// Every front end — the CLI, the local web page, the MCP tools, the metrics exporter — is a thin
/// caller of these functions: it maps its own input (flags, a form, tool arguments, a scrape) to a
/// request, calls the entry point, and hands the result to a renderer. Nothing a front end does
/// alone can diagnose anything; a new front end therefore gives exactly the CLI's answers.
///
/// ```swift
/// import Why401Kit
/// let result = try UseCase.readChallenge(ChallengeReadRequest(headers: ["Basic realm=\"x\""]))
/// print(result.report.rendered(as: .text))
/// ```
public enum UseCase {}
