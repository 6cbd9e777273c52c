import Diagnosis
import Evidence
import HTTPAuth
import HostAccess
import Probe
import Report
import WordPressAudit

/// `why401 wordpress DIR [--bisect URL [--apply]]`.
public struct WordPressAuditRequest: Sendable {
    /// The WordPress directory (where `wp-config.php` and `wp-includes/` are).
    public var directory: String
    /// Find the plugin whose deactivation ends a 401; nil: only read the install.
    public var bisect: WordPressBisectRequest?
    /// The journal for the bisect's renames (and for the hint about leftovers); nil: the default path.
    public var journal: String?
    public var console: AdminConsole

    public init(
        directory: String, bisect: WordPressBisectRequest? = nil, journal: String? = nil,
        console: AdminConsole = .silent
    ) {
        self.directory = directory
        self.bisect = bisect
        self.journal = journal
        self.console = console
    }
}

/// The probe and mode of a bisect.
public struct WordPressBisectRequest: Sendable {
    /// An absolute http(s) URL that answers 401 with every plugin active.
    public var url: String
    /// Run it (rename folders, probe); false: only the plan is returned and nothing changes.
    public var apply: Bool
    /// Basic credentials for the probe; the password never reaches the result. It is asked for only
    /// when the probe is about to run (after the install was read), as `CurlRequest` does.
    public var user: String?
    public var password: (@Sendable (_ user: String) throws -> String)?
    /// Seconds for each probe request.
    public var timeout: Double
    /// Do not verify the probe URL's TLS certificate.
    public var insecure: Bool

    public init(
        url: String, apply: Bool = false, user: String? = nil,
        password: (@Sendable (_ user: String) throws -> String)? = nil, timeout: Double = 20,
        insecure: Bool = false
    ) {
        self.url = url
        self.apply = apply
        self.user = user
        self.password = password
        self.timeout = timeout
        self.insecure = insecure
    }
}

extension UseCase {
    /// Reads the install (plugins, `.htaccess` pass-through, application passwords), notes folders an
    /// interrupted bisect left renamed, and with a bisect request either plans it or — with `apply` —
    /// runs it: every rename journaled first, every folder restored at the end, on error and on a
    /// signal. Throws `AuditFailure.incomplete` for a directory that is not WordPress, a failed probe
    /// or a journal in the way, `.usage` for credentials Basic cannot carry.
    public static func auditWordPress(_ request: WordPressAuditRequest) async throws -> WordPressResult {
        var facts: WordPressFacts
        do {
            facts = try WordPressReader.inspect(request.directory)
        } catch let error as WordPressReader.NotWordPress {
            throw AuditFailure.incomplete(error.description)
        }
        let journal = ChangeJournal.defaultPath(explicit: request.journal)
        let pluginsDirectory = facts.directory + "/wp-content/plugins"
        let leftovers = WordPressReader.leftovers(in: pluginsDirectory).map { "\(pluginsDirectory)/\($0)" }
        let leftoverJournal: WordPressResult.LeftoverJournal =
            ChangeJournal.exists(at: journal) ? .present(explicit: request.journal) : .absent(path: journal)
        var plan: WordPressResult.Plan?
        if let bisect = request.bisect {
            let steps = WordPressBisect.Plan(
                pluginsDirectory: pluginsDirectory, candidates: WordPressBisect.candidates(facts.plugins),
                url: bisect.url)
            if bisect.apply {
                facts.bisect = try await runBisect(steps, request: bisect, journal: journal, console: request.console)
            } else {
                plan = WordPressResult.Plan(
                    url: bisect.url, candidates: steps.candidates, maxProbes: steps.maxProbes, steps: steps.lines,
                    journal: journal)
            }
        }
        return WordPressResult(
            facts: facts, leftovers: leftovers, leftoverJournal: leftoverJournal, plan: plan,
            findings: WordPressRules.run(facts))
    }

    static func runBisect(
        _ plan: WordPressBisect.Plan, request: WordPressBisectRequest, journal: String, console: AdminConsole
    ) async throws -> BisectOutcome {
        let headers = try basicAuthorization(user: request.user, password: request.password)
        var options = ProbeOptions()
        options.insecure = request.insecure
        options.connectTimeout = min(request.timeout, 10)
        options.readTimeout = request.timeout
        options.deadline = request.timeout
        options.preferHTTP2 = false
        let prober = Prober(options: options)
        let url = plan.url
        let probe: () async throws -> Int = {
            let result = await prober.send(ProbeRequest(url: url, headers: headers, purpose: "bisect"))
            if let failure = result.failure { throw BisectProbeError(description: "probe \(url): \(failure)") }
            guard let status = result.exchange.response?.status else {
                throw BisectProbeError(description: "probe \(url): no response")
            }
            return status
        }
        let say: @Sendable (String) -> Void = { console.tell("why401: " + $0) }
        say("bisect of \(plan.candidates.count) plugin folder(s) against \(url); journal \(journal)")
        let changeGuard = ChangeGuard(journalPath: journal, report: say)
        changeGuard.install()
        defer { changeGuard.uninstall() }
        do {
            return try await WordPressBisect(plan: plan, journalPath: journal, guard: changeGuard, log: say).run(
                probe: probe)
        } catch {
            throw AuditFailure.incomplete("--bisect: \(error)")
        }
    }

    /// The probe's `Authorization: Basic …` (none without a user). Only the user name can reach output.
    static func basicAuthorization(
        user: String?, password: (@Sendable (_ user: String) throws -> String)?
    ) throws -> [HeaderField] {
        guard let user else { return [] }
        let secret = try password?(user) ?? ""
        do {
            return [
                HeaderField("Authorization", try BasicCredentials(user: user, password: secret).authorizationValue())
            ]
        } catch {
            throw AuditFailure.usage("-u: the user name or password cannot be sent with Basic: \(error)")
        }
    }

    /// A probe that got no HTTP answer; ends the bisect (after the folders are restored).
    struct BisectProbeError: Error, CustomStringConvertible {
        var description: String
    }
}
