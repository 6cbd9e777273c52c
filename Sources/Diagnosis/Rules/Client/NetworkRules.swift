import Evidence
import HTTPAuth

/// `scheme://host:port` of an absolute URL (default ports made explicit), lower-cased; nil if not absolute.
func origin(of url: String) -> String? {
    guard let schemeEnd = url.firstRange(of: "://") else { return nil }
    let scheme = url[..<schemeEnd.lowerBound].lowercased()
    var authority = url[schemeEnd.upperBound...].prefix(while: { !"/?#".contains($0) })
    if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
    var host = String(authority).lowercased()
    var port = scheme == "https" ? "443" : "80"
    if let colon = host.lastIndex(of: ":"), !host[colon...].contains("]") {
        port = String(host[host.index(after: colon)...])
        host = String(host[..<colon])
    }
    return "\(scheme)://\(host):\(port)"
}

/// `dns.resolution-failed`.
public enum DNSResolutionFailedRule: Rule {
    /// Raises `dns.resolution-failed`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .dnsResolutionFailed,
        triggering: [CheckSample.make { $0.dnsFailure = "Name or service not known" }],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 401))])

    /// One finding when the host name did not resolve, with the resolver's reason.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let failure = e.dnsFailure else { return [] }
        return [Finding(description.id, evidence: ["\(e.url): \(failure)"])]
    }
}

/// `redirect.loop`: the chain did not end within the limit.
public enum RedirectLoopRule: Rule {
    /// Raises `redirect.loop`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .redirectLoop,
        triggering: [
            CheckSample.make(CheckSample.step(.asGiven, 302), CheckSample.step(.redirect, 302)) {
                $0.redirectLimitHit = true
            }
        ],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 302), CheckSample.step(.redirect, 200))])

    /// One finding when the redirect chain hit the limit, listing the first hops.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard e.redirectLimitHit else { return [] }
        let chain = ([e.first(.asGiven)].compactMap { $0 } + e.steps(.redirect)).map {
            "\($0.exchange.request.url) → \($0.status.map(String.init) ?? "?")"
        }
        return [Finding(description.id, evidence: Array(chain.prefix(12)))]
    }
}

/// `redirect.authorization-dropped`: a hop to another origin (or scheme), where a conforming
/// client drops `Authorization`, and the 401 comes from there.
public enum RedirectAuthorizationDroppedRule: Rule {
    /// Raises `redirect.authorization-dropped`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .redirectAuthorizationDropped,
        triggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 302, ["Location": "https://login.example.test/me"]),
                CheckSample.step(
                    .redirect, 401, CheckSample.basic401, credentialed: false, url: "https://login.example.test/me"))
        ],
        nonTriggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 302, ["Location": "/me/"]),
                CheckSample.step(.redirect, 401, CheckSample.basic401, url: "https://api.example.test/me/"))
        ])

    /// One finding when credentials were sent, the chain ends on another origin, and that hop's 401 came without them.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard e.sent != .none, let first = e.first(.asGiven), let start = origin(of: first.exchange.request.url),
            let final = e.final, final.kind == .redirect, final.isUnauthorized, !final.credentialed,
            let end = origin(of: final.exchange.request.url), end != start
        else { return [] }
        let chain = ([first] + e.steps(.redirect)).map {
            "\($0.exchange.request.url) → \($0.status.map(String.init) ?? "?")"
        }
        return [
            Finding(
                description.id,
                detail:
                    """
                    The request was redirected from \(start) to \(end); credentials are not sent to another \
                    origin, so \(end) answered 401.
                    """,
                evidence: chain,
                fix: [
                    """
                    Request the final URL directly: `why401 \(final.exchange.request.url) …` (or `curl \
                    --location-trusted` if you trust \(end)).
                    """
                ])
        ]
    }
}

/// `redirect.downgrade`: a hop from https to http.
public enum RedirectDowngradeRule: Rule {
    /// Raises `redirect.downgrade`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .redirectDowngrade,
        triggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 301, ["Location": "http://api.example.test/me"]),
                CheckSample.step(.redirect, 200, credentialed: false, url: "http://api.example.test/me"))
        ],
        nonTriggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 301), CheckSample.step(.redirect, 200, url: "https://api.example.test/x"))
        ])

    /// One finding for the first hop from https to http.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        let chain = [e.first(.asGiven)].compactMap { $0 } + e.steps(.redirect)
        for (from, to) in zip(chain, chain.dropFirst())
        where from.exchange.request.url.lowercased().hasPrefix("https://")
            && to.exchange.request.url.lowercased().hasPrefix("http://")
        {
            return [Finding(description.id, evidence: [from.line, to.line])]
        }
        return []
    }
}

/// `url.variant-succeeds`: a nearby URL answers without 401 while the original fails.
public enum URLVariantSucceedsRule: Rule {
    /// Raises `url.variant-succeeds`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .urlVariantSucceeds,
        triggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401),
                CheckSample.step(.variant, 200, label: "trailing slash", url: "https://api.example.test/me/"))
        ],
        nonTriggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401),
                CheckSample.step(.variant, 401, CheckSample.basic401, label: "trailing slash")),
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401),
                CheckSample.step(
                    .variant, 200, credentialed: false, label: "www. toggled", url: "https://www.api.example.test/me")),
        ])

    /// One finding when the final answer is 401 and a nearby URL, sent with the same credentials and method, succeeds.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let final = e.final, final.isUnauthorized else { return [] }
        // A variant proves something only when it carried what the original carried: an anonymous
        // landing page on `www.` says nothing about a credentialed API call.
        // …and was sent with the same method (a GET answered 200 says nothing about a refused POST).
        let good = e.steps(.variant).filter {
            $0.isSuccess && $0.credentialed == (e.first(.asGiven)?.credentialed ?? final.credentialed)
                && $0.method == final.method
        }
        guard let best = good.first else { return [] }
        return [
            Finding(
                description.id,
                detail:
                    """
                    \(best.exchange.request.url) (\(best.label ?? "variant")) answers \(best.status!) where the \
                    original answers 401.
                    """,
                evidence: good.map(\.line), fix: ["Use \(best.exchange.request.url) in the client's configuration."])
        ]
    }
}

/// `transient.flapping`: identical requests get mixed answers.
public enum TransientFlappingRule: Rule {
    /// Raises `transient.flapping`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .transientFlapping,
        triggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401), CheckSample.step(.repeated, 200),
                CheckSample.step(.repeated, 401, CheckSample.basic401))
        ],
        nonTriggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401),
                CheckSample.step(.repeated, 401, CheckSample.basic401))
        ])

    /// One finding when at least three identical requests got both 401 and success, other than a single first 401 that
    /// every retry cured.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        // Identical means the same method too: repeats of an unsafe request go as GET.
        let repeats = e.steps(.repeated)
        let method = repeats.first?.method ?? e.first(.asGiven)?.method
        let runs = ([e.first(.asGiven)].compactMap { $0 } + repeats).filter { $0.method == method }
        let statuses = runs.compactMap(\.status)
        guard statuses.contains(401), runs.contains(where: \.isSuccess), statuses.count >= 3 else { return [] }
        // A single 401 cured by every retry is `transient.recovered`, not flapping.
        let firstIs401 = statuses.first == 401
        let restAllSucceed = runs.dropFirst().allSatisfy(\.isSuccess)
        guard !(firstIs401 && restAllSucceed) else { return [] }
        var lines = ["answers in order: " + statuses.map(String.init).joined(separator: ", ")]
        let peers = Set(runs.compactMap(\.exchange.peer))
        if peers.count > 1 { lines.append("answered by \(peers.sorted().joined(separator: ", "))") }
        for name in ["Server", "X-Served-By", "X-Backend", "Via", "X-Cache"] {
            let values = runs.compactMap { $0.header(name) }
            if Set(values).count > 1 { lines.append("\(name) differs: " + values.joined(separator: " / ")) }
        }
        return [Finding(description.id, evidence: lines)]
    }
}

/// `transient.recovered`: the first request got 401, every plain retry succeeded.
public enum TransientRecoveredRule: Rule {
    /// Raises `transient.recovered`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .transientRecovered,
        triggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401), CheckSample.step(.repeated, 200),
                CheckSample.step(.repeated, 200))
        ],
        nonTriggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401), CheckSample.step(.repeated, 200),
                CheckSample.step(.repeated, 401))
        ])

    /// One finding when the request as given got 401 and every identical retry succeeded.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let first = e.first(.asGiven), first.isUnauthorized else { return [] }
        let repeats = e.steps(.repeated)
        guard !repeats.isEmpty, repeats.allSatisfy({ $0.isSuccess && $0.method == first.method }) else { return [] }
        return [Finding(description.id, evidence: [first.line] + repeats.map(\.line))]
    }
}

/// `dns.address-mismatch`: the addresses a name resolves to answer differently.
public enum DNSAddressMismatchRule: Rule {
    /// Raises `dns.address-mismatch`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .dnsAddressMismatch,
        triggering: [
            CheckSample.make(
                CheckSample.step(.address, 200, label: "192.0.2.1"),
                CheckSample.step(.address, 401, CheckSample.basic401, label: "192.0.2.2"))
        ],
        nonTriggering: [
            CheckSample.make(
                CheckSample.step(.address, 401, label: "192.0.2.1"), CheckSample.step(.address, 401, label: "192.0.2.2")
            ),
            CheckSample.make(
                CheckSample.step(.address, 401, label: "192.0.2.1"),
                CheckSample.step(.address, nil, label: "2001:db8::1")),
        ])

    /// One finding when the resolved addresses answered with different statuses (unreachable addresses are not
    /// compared).
    public static func check(_ e: CheckEvidence) -> [Finding] {
        let perAddress = e.steps(.address)
        // Only answers are compared: an unreachable address (say, IPv6 without a route) is context.
        guard Set(perAddress.compactMap(\.status)).count > 1 else { return [] }
        return [
            Finding(
                description.id,
                evidence: perAddress.map {
                    "\($0.label ?? "?") → \($0.status.map(String.init) ?? ($0.exchange.failure ?? "no answer"))"
                })
        ]
    }
}

/// `dns.hosts-override`: `/etc/hosts` or `--resolve` pins the name. `localhost` (and the other
/// loopback names every system's hosts file carries) pointing at loopback is the system default,
/// not an override.
public enum DNSHostsOverrideRule: Rule {
    /// Raises `dns.hosts-override`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .dnsHostsOverride,
        triggering: [
            CheckSample.make(CheckSample.step(.asGiven, 401)) { $0.hostsFileAddresses = ["10.0.0.5"] },
            CheckSample.make(url: "http://localhost/me", CheckSample.step(.asGiven, 401, url: "http://localhost/me")) {
                $0.hostsFileAddresses = ["192.0.2.7"]
            },
        ],
        nonTriggering: [
            CheckSample.make(CheckSample.step(.asGiven, 401)),
            CheckSample.make(
                url: "http://localhost:8080/me", CheckSample.step(.asGiven, 401, url: "http://localhost:8080/me")
            ) {
                $0.hostsFileAddresses = ["127.0.0.1", "::1"]
            },
        ])

    /// Names a stock hosts file maps to loopback (Debian, Red Hat, macOS, Windows).
    static let loopbackNames: Set<String> = [
        "localhost", "localhost.localdomain", "localhost6", "localhost6.localdomain6", "ip6-localhost", "ip6-loopback",
    ]

    static func isLoopbackAddress(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1" || address == "0:0:0:0:0:0:0:1"
    }

    /// One finding when `/etc/hosts` (other than loopback names pointing at loopback) or `--resolve` pins the name.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        let host = URLText.host(of: e.url) ?? ""
        let systemDefault =
            (loopbackNames.contains(host) || host.hasSuffix(".localhost"))
            && e.hostsFileAddresses.allSatisfy(isLoopbackAddress)
        var lines: [String] = []
        if !e.hostsFileAddresses.isEmpty && !systemDefault {
            lines.append("/etc/hosts pins \(host) to " + e.hostsFileAddresses.joined(separator: ", "))
        }
        if !e.resolveOverride.isEmpty {
            lines.append("--resolve pins \(host) to " + e.resolveOverride.joined(separator: ", "))
        }
        guard !lines.isEmpty else { return [] }
        var finding = Finding(description.id, evidence: lines)
        finding.fix = [
            """
            Look for the entry: `grep -n '\(host)' /etc/hosts` (Windows: `findstr \(host) \
            C:\\Windows\\System32\\drivers\\etc\\hosts`).
            """,
            """
            Remove or comment out the line for \(host) (`sudo nano /etc/hosts`; on Windows edit the file as \
            administrator), or drop the `--resolve` option.
            """,
            """
            Then flush the DNS cache: Linux `resolvectl flush-caches`; macOS `sudo dscacheutil -flushcache; sudo \
            killall -HUP mDNSResponder`; Windows `ipconfig /flushdns`.
            """,
            "Compare with what DNS says: `dig +short \(host)` (or `nslookup \(host)`).",
        ]
        return [finding]
    }
}

/// `cors.preflight-unauthorized`: OPTIONS preflight answered 401 (browsers never send credentials on it).
public enum CORSPreflightUnauthorizedRule: Rule {
    /// Raises `cors.preflight-unauthorized`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .corsPreflightUnauthorized,
        triggering: [
            CheckSample.make(
                CheckSample.step(.preflight, 401, CheckSample.basic401, credentialed: false, method: "OPTIONS"))
        ],
        nonTriggering: [CheckSample.make(CheckSample.step(.preflight, 204, credentialed: false, method: "OPTIONS"))])

    /// One finding when the CORS preflight was answered 401.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let preflight = e.first(.preflight), preflight.isUnauthorized else { return [] }
        return [Finding(description.id, evidence: [preflight.line] + (e.origin.map { ["Origin: \($0)"] } ?? []))]
    }
}

/// `cors.preflight-failed`: the preflight got an answer the browser does not accept — a non-2xx
/// status (405: OPTIONS not routed), or a 2xx whose `Access-Control-Allow-Origin` does not match
/// the origin, whose `-Allow-Headers` does not list `authorization` (a `*` does not cover it), or
/// whose `-Allow-Methods` lacks a non-simple method. A 401 is `cors.preflight-unauthorized`.
public enum CORSPreflightFailedRule: Rule {
    static func preflight(_ status: Int, _ headers: KeyValuePairs<String, String> = [:], method: String = "GET")
        -> CheckEvidence.Step
    {
        CheckSample.step(
            .preflight, status, headers, credentialed: false, method: "OPTIONS",
            requestHeaders: [
                HeaderField("Origin", "https://app.example.test"), HeaderField("Access-Control-Request-Method", method),
                HeaderField("Access-Control-Request-Headers", "authorization"),
            ])
    }
    static func origin(_ e: inout CheckEvidence) { e.origin = "https://app.example.test" }
    /// Raises `cors.preflight-failed`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .corsPreflightFailed,
        triggering: [
            CheckSample.make(CheckSample.step(.asGiven, 200), preflight(405), configure: origin),
            CheckSample.make(
                CheckSample.step(.asGiven, 200), preflight(204, ["Access-Control-Allow-Headers": "authorization"]),
                configure: origin),
            CheckSample.make(
                CheckSample.step(.asGiven, 200),
                preflight(
                    204,
                    ["Access-Control-Allow-Origin": "https://app.example.test", "Access-Control-Allow-Headers": "*"]),
                configure: origin),
            CheckSample.make(
                CheckSample.step(.asGiven, 200, method: "DELETE"),
                preflight(
                    200,
                    [
                        "Access-Control-Allow-Origin": "*",
                        "Access-Control-Allow-Headers": "Content-Type, Authorization",
                        "Access-Control-Allow-Methods": "GET, POST",
                    ],
                    method: "DELETE"), configure: origin),
        ],
        nonTriggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 200),
                preflight(
                    204,
                    [
                        "Access-Control-Allow-Origin": "https://app.example.test",
                        "Access-Control-Allow-Headers": "Content-Type, Authorization",
                    ]),
                configure: origin),
            CheckSample.make(
                CheckSample.step(.asGiven, 200, method: "PUT"),
                preflight(
                    200,
                    [
                        "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "authorization",
                        "Access-Control-Allow-Methods": "*",
                    ], method: "PUT"),
                configure: origin),
            CheckSample.make(CheckSample.step(.asGiven, 401), preflight(401, CheckSample.basic401), configure: origin),
        ])

    static let simpleMethods: Set<String> = ["GET", "HEAD", "POST"]

    static func list(_ step: CheckEvidence.Step, _ name: String) -> [String] {
        step.headers(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingOWS.lowercased() }.filter {
            !$0.isEmpty
        }
    }

    /// One finding listing why the browser would reject the preflight's answer (status, allowed origin, headers,
    /// methods); a 401 is left to `CORSPreflightUnauthorizedRule`.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let step = e.first(.preflight), let status = step.status, status != 401 else { return [] }
        let origin = e.origin ?? step.exchange.request.headers.first("Origin") ?? ""
        let method = (step.exchange.request.headers.first("Access-Control-Request-Method") ?? "GET").uppercased()
        var problems: [String] = []
        if !(200..<300).contains(status) {
            problems.append(
                status == 405
                    ? "the preflight is answered 405: the server does not route OPTIONS here"
                    : "the preflight is answered \(status), not a 2xx")
        } else {
            let allowOrigin = step.headers("Access-Control-Allow-Origin").map(\.trimmingOWS)
            if allowOrigin.isEmpty {
                problems.append("no Access-Control-Allow-Origin in the answer")
            } else if !(allowOrigin.count == 1
                && (allowOrigin[0] == "*" || allowOrigin[0].lowercased() == origin.lowercased()))
            {
                problems.append(
                    """
                    Access-Control-Allow-Origin: \(allowOrigin.joined(separator: ", ")) does not match the origin \
                    \(origin)
                    """
                )
            }
            let allowHeaders = list(step, "Access-Control-Allow-Headers")
            if !allowHeaders.contains("authorization") {
                problems.append(
                    allowHeaders.contains("*")
                        ? """
                        Access-Control-Allow-Headers: * does not cover Authorization (the Fetch standard requires \
                        it by name)
                        """
                        : "Access-Control-Allow-Headers does not list Authorization"
                            + (allowHeaders.isEmpty ? "" : " (it lists \(allowHeaders.joined(separator: ", ")))"))
            }
            let allowMethods = list(step, "Access-Control-Allow-Methods").map { $0.uppercased() }
            if !simpleMethods.contains(method), !allowMethods.contains(method), !allowMethods.contains("*") {
                problems.append("Access-Control-Allow-Methods does not list \(method)")
            }
        }
        guard !problems.isEmpty else { return [] }
        return [
            Finding(
                description.id,
                detail: "The browser's preflight for a \(method) with Authorization from \(origin) fails: "
                    + problems.joined(separator: "; ") + ". The browser never sends the real request.",
                evidence: [step.line, "Origin: \(origin)"] + problems)
        ]
    }
}

/// `challenge.proxy` for a live 407.
public enum ChallengeProxyStepRule: Rule {
    /// Raises `challenge.proxy`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .challengeProxy,
        triggering: [CheckSample.make(CheckSample.step(.asGiven, 407, ["Proxy-Authenticate": "Basic realm=\"corp\""]))],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 401, CheckSample.basic401))])

    /// The `challenge.proxy` finding of `ChallengeProxyRule` when the final answer is a 407, with that answer's line
    /// first.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let final = e.final, final.status == 407, let response = final.exchange.response else { return [] }
        return ChallengeProxyRule.check(ChallengeEvidence(response: response)).map {
            var finding = $0
            finding.evidence.insert(final.line, at: 0)
            return finding
        }
    }
}

/// The offline challenge rules applied to the final 401 (missing, malformed, Bearer error codes…).
public enum FinalChallengeRules: Rule {
    /// Raises `challenge.missing`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .challengeMissing,
        triggering: [CheckSample.make(CheckSample.step(.asGiven, 401))],
        nonTriggering: [
            CheckSample.make(CheckSample.step(.asGiven, 401, CheckSample.basic401)),
            // A stale session cookie on a login-page site: no challenge is expected there.
            CheckSample.make(
                sent: .none, CheckSample.step(.asGiven, 401),
                CheckSample.step(
                    .withoutCookies, 302, ["Location": "https://api.example.test/login?next=%2Fme"], credentialed: false
                )
            ) { $0.cookieNames = ["session"] },
        ])

    /// The challenge rules' findings on the final 401 (or a 403 with a challenge), adjusted to what was sent: no
    /// `token.invalid` when no token was sent, a missing challenge only a warning for API-key or cookie requests.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        // 401s, and 403s that carry a challenge (RFC 6750 answers insufficient_scope with 403).
        guard let final = e.final,
            final.isUnauthorized || (final.status == 403 && !final.headers("WWW-Authenticate").isEmpty),
            let challenges = e.finalChallenges
        else { return [] }
        var findings = linted(e, challenges)
        // No token was sent: a server that says `invalid_token` anyway (the MCP SDK does) means
        // "send one" — credentials.missing, not an invalid token.
        if e.sent == .none { findings.removeAll { $0.id == .tokenInvalid } }
        // APIs that take a key in a header of their own, or a session cookie, never challenge:
        // the missing challenge is worth fixing, not the cause of the refusal.
        if case .apiKey = e.sent, let index = findings.firstIndex(where: { $0.id == .challengeMissing }) {
            findings[index].severity = .warning
        }
        if e.sent == .none, !e.cookieNames.isEmpty,
            let index = findings.firstIndex(where: { $0.id == .challengeMissing })
        {
            findings[index].severity = .warning
        }
        return findings
    }

    static func linted(_ e: CheckEvidence, _ challenges: ChallengeEvidence) -> [Finding] {
        guard let final = e.final else { return [] }
        // A cookie-session site that sends anonymous visitors to its login page never challenges:
        // its 401 for a stale cookie is `session.stale-cookie`, not a missing challenge.
        if final.headers("WWW-Authenticate").isEmpty && SessionStaleCookieRule.provenByLoginRedirect(e) { return [] }
        return ChallengeRules.all.filter { ObjectIdentifier($0) != ObjectIdentifier(ChallengeProxyRule.self) }.flatMap {
            $0.check(challenges)
        }
    }
}

/// `status.forbidden-semantics`: a 403 where a 401 was meant — one that carries a challenge (other
/// than Bearer `insufficient_scope`, which RFC 6750 answers with 403), or one without a challenge
/// for missing or refused credentials (Django REST framework, FastAPI before 0.122, API gateways).
public enum StatusForbiddenSemanticsRule: Rule {
    /// Raises `status.forbidden-semantics`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .statusForbiddenSemantics,
        triggering: [CheckSample.make(CheckSample.step(.asGiven, 403, CheckSample.basic401))],
        nonTriggering: [
            CheckSample.make(CheckSample.step(.asGiven, 403)),
            CheckSample.make(
                CheckSample.step(
                    .asGiven, 403, ["WWW-Authenticate": "Bearer error=\"insufficient_scope\", scope=\"admin\""])),
            // 401 without credentials, 403 with them: a refusal of permission, rightly 403.
            CheckSample.make(
                CheckSample.step(.asGiven, 403, body: "You do not have permission to perform this action."),
                CheckSample.step(.anonymous, 401, CheckSample.basic401, credentialed: false)),
        ])

    /// One finding for a final 403 that carries a challenge (except `insufficient_scope`), or that answers missing or
    /// refused credentials without one.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let final = e.final, final.status == 403 else { return [] }
        // A 403 without a challenge for missing or refused credentials (DRF's SessionAuthentication,
        // FastAPI before 0.122, API-key gateways): 401 with WWW-Authenticate was meant.
        if final.headers("WWW-Authenticate").isEmpty {
            let stated = ServerStatedCauseRule.statedCause(e)?.id
            let refused = stated.map { [.credentialsRejected, .tokenInvalid, .tokenExpired].contains($0) } ?? false
            guard !CredentialsMissingRule.check(e).isEmpty || refused else { return [] }
            return [
                Finding(
                    description.id,
                    detail:
                        """
                        The server answers \(refused ? "refused" : "missing") credentials with 403 and no \
                        WWW-Authenticate challenge: 401 with a challenge was meant, so clients never learn that \
                        (other) credentials would help.
                        """,
                    evidence: [final.line] + (final.serverMessage.map { [$0.line] } ?? []),
                    fix: [
                        """
                        Django REST framework: put an authentication class with a challenge first \
                        (`BasicAuthentication` or `TokenAuthentication` before `SessionAuthentication` in \
                        `DEFAULT_AUTHENTICATION_CLASSES`): DRF answers 401 only when the first class has \
                        `authenticate_header`.
                        """,
                        """
                        FastAPI: upgrade to 0.122 or later (security dependencies answer 401), or raise \
                        `HTTPException(401, headers={\"WWW-Authenticate\": \"Bearer\"})` yourself.
                        """,
                    ])
            ]
        }
        // 403 with Bearer error="insufficient_scope" is exactly what RFC 6750 §3.1 prescribes.
        let challenges = e.finalChallenges?.challenges ?? []
        if challenges.compactMap(BearerChallenge.init).contains(where: { $0.error == .insufficientScope }) { return [] }
        return [
            Finding(
                description.id,
                detail:
                    """
                    A 403 carries a WWW-Authenticate challenge: a 401 was meant, so clients never retry with \
                    credentials.
                    """,
                evidence: [final.line] + final.headers("WWW-Authenticate").map { "WWW-Authenticate: \($0)" })
        ]
    }
}
