import Evidence

/// One fingerprint of a component that produces 401s. Kept as data: adding a product is one entry.
struct ResponderFingerprint: Sendable {
    /// What to call it in the finding.
    let name: String
    /// Lower-cased `Server` prefix, if that identifies it.
    let serverPrefix: String?
    /// A header whose presence identifies it.
    let header: String?
    /// A lower-cased substring of the body.
    let bodyContains: String?
}

/// `responder.identified` (info): who produced the 401 — nginx, Apache, an upstream behind a
/// proxy, IIS, a framework or gateway — from Server, body and header fingerprints.
public enum ResponderIdentifiedRule: Rule {
    static let fingerprints: [ResponderFingerprint] = [
        .init(name: "AWS API Gateway", serverPrefix: nil, header: "x-amzn-requestid", bodyContains: nil),
        .init(name: "Azure API Management", serverPrefix: nil, header: "ocp-apim-trace-location", bodyContains: nil),
        .init(name: "Kong gateway", serverPrefix: "kong", header: "x-kong-response-latency", bodyContains: nil),
        .init(name: "Envoy", serverPrefix: "envoy", header: "x-envoy-upstream-service-time", bodyContains: nil),
        .init(name: "Cloudflare", serverPrefix: "cloudflare", header: "cf-ray", bodyContains: nil),
        .init(name: "Microsoft IIS", serverPrefix: "microsoft-iis", header: nil, bodyContains: nil),
        .init(name: "ASP.NET", serverPrefix: nil, header: "x-aspnet-version", bodyContains: nil),
        .init(
            name: "Apache httpd", serverPrefix: "apache", header: nil, bodyContains: "<title>401 unauthorized</title>"),
        .init(name: "nginx", serverPrefix: "nginx", header: nil, bodyContains: "<center>nginx"),
        .init(name: "Caddy", serverPrefix: "caddy", header: nil, bodyContains: nil),
        .init(name: "WordPress", serverPrefix: nil, header: "x-wp-total", bodyContains: "rest_not_logged_in"),
        .init(
            name: "Spring Security", serverPrefix: nil, header: nil, bodyContains: "\"error\":\"unauthorized\",\"path\""
        ),
    ]

    /// Raises `responder.identified`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .responderIdentified,
        triggering: [
            CheckSample.make(CheckSample.step(.asGiven, 401, ["Server": "nginx/1.22.1"])),
            CheckSample.make(CheckSample.step(.asGiven, 401, ["Server": "Microsoft-IIS/10.0"])),
            CheckSample.make(
                CheckSample.step(.asGiven, 401, ["Server": "uvicorn"], body: #"{"detail":"Not authenticated"}"#)),
        ],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 401))])

    /// One finding (info) naming who produced the final 401 or 407, from the `Server` header, other headers and the
    /// body.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let final = e.final, let response = final.exchange.response,
            response.status == 401 || response.status == 407
        else { return [] }
        let server = response.headers.first("Server")?.lowercased() ?? ""
        let body = String(decoding: response.bodyPrefix.prefix(4096), as: UTF8.self).lowercased()
        let headerNames = Set(response.headers.map { $0.name.lowercased() })
        var matches: [(ResponderFingerprint, String)] = []
        for fingerprint in fingerprints {
            if let prefix = fingerprint.serverPrefix, server.hasPrefix(prefix) {
                matches.append((fingerprint, "Server: \(response.headers.first("Server") ?? "")"))
            } else if let header = fingerprint.header, headerNames.contains(header) {
                matches.append((fingerprint, "header \(header)"))
            } else if let text = fingerprint.bodyContains, body.contains(text) {
                matches.append((fingerprint, "body contains \"\(text)\""))
            }
        }
        guard let front = matches.first else {
            // No web server or gateway: an application server answering for itself.
            guard let app = ApplicationFingerprint.identify(response) else { return [] }
            return [
                Finding(
                    description.id, detail: "The 401 was produced by \(app.name), answering directly.",
                    evidence: ["Server: \(response.headers.first("Server") ?? "(none)")"], fix: [app.fix])
            ]
        }
        if upstreamBehindProxy(e) {
            return [
                Finding(
                    description.id,
                    detail:
                        """
                        nginx is in front, but the 401 page is Apache's: the upstream Apache behind the proxy \
                        refused the request.
                        """,
                    evidence: [
                        "Server: \(response.headers.first("Server") ?? "")", "body: Apache's \"401 Unauthorized\" page",
                    ])
            ]
        }
        // Only the Server header matched, and the body is not the server's own 401 page: an
        // application behind it (CGI, PHP, a proxied app) wrote the 401.
        if let ownPage = front.0.bodyContains, front.1.hasPrefix("Server:"), !response.bodyPrefix.isEmpty,
            !body.contains(ownPage)
        {
            return [
                Finding(
                    description.id,
                    detail:
                        """
                        The 401 was produced by an application behind \(front.0.name): the body is not \
                        \(front.0.name)'s own 401 page.
                        """,
                    evidence: matches.map { "\($0.0.name): \($0.1)" } + [
                        "body is the application's, not \(front.0.name)'s error page"
                    ])
            ]
        }
        return [
            Finding(
                description.id, detail: "The 401 was produced by \(front.0.name).",
                evidence: matches.map { "\($0.0.name): \($0.1)" })
        ]
    }

    /// nginx in front, Apache's error page in the body: the 401 came from the upstream Apache.
    static func upstreamBehindProxy(_ e: CheckEvidence) -> Bool {
        guard let response = e.final?.exchange.response else { return false }
        let server = response.headers.first("Server")?.lowercased() ?? ""
        let body = String(decoding: response.bodyPrefix.prefix(4096), as: UTF8.self).lowercased()
        return server.hasPrefix("nginx") && body.contains("<title>401 unauthorized</title>")
            && body.contains("this server could not verify")
    }
}
