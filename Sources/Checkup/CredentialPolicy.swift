import Evidence
import HTTPAuth
import Probe

/// The plan's credential policy as a pure value (docs/check.md, "Credential policy"): where the
/// user's credentials may go, which method the learning steps send, and how many attempts the
/// budget allows. `PlanRunner.send` consults it before every request, so no step can bypass it,
/// and the tests drive it without sockets.
struct CredentialPolicy: Sendable, Equatable {
    /// The user's URL's origin (`scheme://host[:port]`): the only one credentials go to.
    let origin: String
    /// The user's method and `--replay-unsafe`.
    let method: String
    let replayUnsafe: Bool
    /// At most this many requests carry the user's credentials (servers lock accounts).
    let budget: Int
    /// Credentialed requests made so far.
    private(set) var spent = 0

    init(origin: String, method: String, replayUnsafe: Bool, budget: Int) {
        self.origin = origin
        self.method = method
        self.replayUnsafe = replayUnsafe
        self.budget = budget
    }

    // MARK: origins

    /// Credentials go only to the user's own origin. A different scheme is a different origin, so
    /// https → http (and a variant on `www.` or https) never gets them; an unparsable URL neither.
    func mayCarryCredentials(to url: String) -> Bool {
        guard case .success(let parts) = URLParts.parse(url) else { return false }
        return parts.origin == origin
    }

    /// The headers that may go to `url`: all of them on the user's origin; elsewhere none that
    /// carries a credential (Authorization, Proxy-Authorization, Cookie, `-H` API keys).
    func headers(_ headers: [HeaderField], to url: String) -> [HeaderField] {
        mayCarryCredentials(to: url) ? headers : Self.withoutCredentials(headers)
    }

    static func withoutCredentials(_ headers: [HeaderField]) -> [HeaderField] {
        headers.filter { !SecretMasking.isCredentialHeader($0.name) }
    }

    /// A redirect hop from `current` to `next`: whether credentials still go (once dropped they
    /// stay dropped: `carrying`), whether it leaves the user's origin (the body stays behind too),
    /// and whether it is https → http (for the plan's note).
    func redirect(from current: String, to next: URLParts, carrying: Bool) -> (
        carry: Bool, leavesOrigin: Bool, downgrade: Bool
    ) {
        let downgrade = current.lowercased().hasPrefix("https://") && next.scheme == "http"
        let leavesOrigin = next.origin != origin || downgrade
        return (carrying && !leavesOrigin, leavesOrigin, downgrade)
    }

    // MARK: methods

    /// RFC 9110 §9.2.1: these change nothing on the server, so the plan may send them again.
    static func isSafe(_ method: String) -> Bool { ["GET", "HEAD", "OPTIONS", "TRACE"].contains(method.uppercased()) }

    var methodIsSafe: Bool { Self.isSafe(method) }

    /// The method the learning steps send before the request as given is answered: the user's own
    /// when it is safe or `--replay-unsafe` allows it, GET otherwise.
    var initialLearningMethod: String { methodIsSafe || replayUnsafe ? method : "GET" }

    /// After the request as given: an unsafe method is sent again only with `--replay-unsafe`, and
    /// never after it succeeded; the note says which method the other steps use.
    func learningMethod(finalStatus: Int?) -> (method: String, note: String) {
        let name = method.uppercased()
        var succeeded = false
        if let status = finalStatus, status >= 200, status < 300 { succeeded = true }
        if replayUnsafe && !succeeded {
            return (method, "\(name) is replayed by the other steps, with its body (--replay-unsafe)")
        }
        let why = succeeded ? "it succeeded, so it is not sent again" : "--replay-unsafe repeats it"
        return (
            "GET",
            "\(name) sent once, as given (\(why)); the other steps learn with GET on the same URL, without the body"
        )
    }

    /// The user's body goes only with the user's own method, to the user's origin, and never to a
    /// preflight or a metadata URL the server chose.
    func sendsBody(method sending: String, to url: String, kind: CheckEvidence.StepKind) -> Bool {
        let documents: [CheckEvidence.StepKind] = [.preflight, .resourceMetadata, .authorizationServerMetadata, .jwks]
        return mayCarryCredentials(to: url) && sending == method && !documents.contains(kind)
    }

    /// RFC 9110 §15.4: 303 (and 301/302 after POST, as browsers do) continue with GET.
    static func redirectMethod(status: Int, method: String) -> String {
        status == 303 || ((status == 301 || status == 302) && method == "POST") ? "GET" : method
    }

    // MARK: budget

    var remaining: Int { max(0, budget - spent) }

    /// Spends one credentialed request; false when the budget is spent (nothing is counted then).
    mutating func spend() -> Bool {
        guard spent < budget else { return false }
        spent += 1
        return true
    }

    /// scheme + realm of each challenge in a step's answer: which layer asked.
    static func challengeKey(_ step: CheckEvidence.Step?) -> [String] {
        guard let response = step?.exchange.response else { return [] }
        return ChallengeEvidence(response: response).challenges.map { $0.normalizedScheme + " " + ($0.realm ?? "") }
    }

    /// The request as given was refused by the same layer that challenges anonymous requests: a
    /// 401 with the same challenge with and without the credentials. More requests with the same
    /// credentials there learn little and count toward a lockout.
    static func isPlainRejection(_ evidence: CheckEvidence) -> Bool {
        guard let asGiven = evidence.first(.asGiven), asGiven.credentialed, asGiven.status == 401,
            let anonymous = evidence.first(.anonymous), anonymous.status == 401
        else { return false }
        return challengeKey(asGiven) == challengeKey(anonymous)
    }

    /// The plain-rejection budget: after a plain rejection, one identical repeat; a further one
    /// only when the latest answer differs from the request as given (it may flap).
    static func stopsRepeats(_ evidence: CheckEvidence, latest: CheckEvidence.Step?) -> Bool {
        guard let asGiven = evidence.first(.asGiven), asGiven.credentialed, isPlainRejection(evidence) else {
            return false
        }
        return latest?.status == asGiven.status && challengeKey(latest) == challengeKey(asGiven)
    }
}
