import Evidence
import HTTPAuth
import Probe

/// The user's request as given — curl's own sequence for `--digest` / `--anyauth` (ask without
/// credentials, then answer) — and its redirects hop by hop. The only step that sends an unsafe
/// method without `--replay-unsafe`, and the only one whose failure ends the plan.
struct AsGivenStep {
    /// curl's `--digest` / `--anyauth` sequence: a user and password but no preemptive answer, so the
    /// first request asks without credentials.
    static func asksFirst(_ state: PlanState) -> Bool {
        state.authorizationHeaders().isEmpty && state.user != nil && state.password != nil
            && state.request.passwordMode != .basic
    }

    func run(_ plan: inout PlanRunner) async {
        let auth = plan.state.authorizationHeaders()
        let request = plan.request
        guard Self.asksFirst(plan.state) else {
            let headers = plan.state.baseHeaders() + auth
            let carries = PlanState.carriesCredentials(headers)
            await chain(
                &plan, headers: headers, credentialed: carries || !request.cookies.isEmpty, countsCredential: carries)
            return
        }
        // curl --digest / --anyauth: an anonymous request to learn the challenge, then the answer.
        let ask = PlannedRequest(
            step: .anonymous, headers: plan.state.baseHeaders(anonymous: true), credentialed: false)
        guard let first = await plan.send(ask), let response = first.exchange.response, response.status == 401 else {
            // No challenge to answer. A safe method's ask was the request itself; an unsafe
            // one was asked with GET, so the user's request still goes, once, as given.
            if plan.state.methodIsSafe || plan.state.learningMethod == request.method {
                if let anonymous = plan.state.evidence.steps.popLast() {
                    plan.state.evidence.steps.append(
                        CheckEvidence.Step(.asGiven(scheme: nil), exchange: anonymous.exchange, credentialed: false))
                }
            } else if plan.state.evidence.first(.anonymous)?.status != nil {
                await chain(
                    &plan, headers: plan.state.baseHeaders(), credentialed: !request.cookies.isEmpty,
                    countsCredential: false)
            }
            return
        }
        let challenges = ChallengeEvidence(response: response).challenges
        guard let answer = plan.state.passwordAnswer(challenges: challenges, preferDigest: true, method: request.method)
        else {
            plan.state.evidence.steps[plan.state.evidence.steps.count - 1].plan = .asGiven(scheme: nil)
            return
        }
        plan.state.asGivenAnswer = answer
        if let user = plan.state.user {
            // What was actually sent (with --anyauth, whatever the server offered).
            let shown = SecretMasking.displayUser(user, passwordIsEmpty: (plan.state.password ?? "").isEmpty)
            plan.state.evidence.sent = answer.scheme == "Digest" ? .digest(user: shown) : .basic(user: shown)
        }
        await chain(
            &plan, headers: plan.state.baseHeaders() + [answer.header], credentialed: true, scheme: answer.scheme)
    }

    /// The as-given request and its redirects, hop by hop, with the credential policy: once a hop
    /// leaves the user's origin (or goes https → http) the credentials stay behind for good.
    func chain(
        _ plan: inout PlanRunner, headers: [HeaderField], credentialed: Bool, scheme: String? = nil,
        countsCredential: Bool? = nil
    ) async {
        let request = plan.request
        let first = PlannedRequest(
            step: .asGiven(scheme: scheme), method: request.method, headers: headers, credentialed: credentialed,
            countsCredential: countsCredential)
        guard var result = await plan.send(first) else { return }
        var url = plan.state.target
        var carry = credentialed
        var hops = 0
        while let status = result.exchange.response?.status, [301, 302, 303, 307, 308].contains(status),
            let location = result.rawResponseHeaders.first(where: { $0.name.lowercased() == "location" })?.value
        {
            guard hops < request.maxRedirects else {
                plan.state.evidence.redirectLimitHit = true
                return
            }
            hops += 1
            guard let next = PlanState.resolve(location, against: url),
                case .success(let nextParts) = URLParts.parse(next)
            else {
                plan.state.notes.append("redirect hop \(hops): unusable Location")
                return
            }
            let hop = plan.state.policy.redirect(from: url, to: nextParts, carrying: carry)
            if carry && !hop.carry {
                plan.state.notes.append(
                    "redirect to \(nextParts.origin): credentials not sent there "
                        + "(another origin\(hop.downgrade ? ", https → http" : ""))"
                )
            }
            carry = hop.carry
            let method = CredentialPolicy.redirectMethod(status: status, method: request.method)
            let hopHeaders = carry ? headers : CredentialPolicy.withoutCredentials(headers)
            // A same-origin hop that carries Authorization is one more credentialed request.
            if carry && hopHeaders.contains(where: { $0.name.lowercased() == "authorization" })
                && !plan.state.spend("redirect hop \(hops)")
            {
                return
            }
            let body = method == "GET" || hop.leavesOrigin ? [] : request.body
            let probeRequest = ProbeRequest(
                method: method, url: next, headers: hopHeaders, body: body, purpose: "redirect hop \(hops)")
            guard plan.timeLeft else { return }
            result = await plan.transmit(probeRequest, as: .redirect(hop: hops), credentialed: carry)
            url = next
        }
    }
}
