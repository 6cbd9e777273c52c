import HTTPAuth
import TextEscaping

// `GET /`: an HTML page listing every scenario with a curl command line for each.
// Only the lab's own demo credentials appear (they are not secrets).
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension LabScenario {
    /// curl command lines that reproduce the scenario against `baseURL` (e.g. `http://127.0.0.1:8080`).
    /// The first one is what the demo's client sends; further ones show the contrast (the preflight,
    /// the fix).
    public func curlCommands(baseURL: String) -> [String] {
        let url = Escape.shell(self.url(base: baseURL))
        var first = ["curl", "-i"]
        if client.method != "GET" { first += ["-X", client.method] }
        switch client.credentials {
        case .none: break
        case .basic(let user, let password): first += ["-u", Escape.shell("\(user):\(password)")]
        case .digest(let user, let password): first += ["--digest", "-u", Escape.shell("\(user):\(password)")]
        case .bearer(let token): first += ["-H", Escape.shell("Authorization: Bearer \(token)")]
        }
        if let cookie = client.cookie { first += ["-b", Escape.shell(cookie)] }
        if let origin = client.origin { first += ["-H", Escape.shell("Origin: \(origin)")] }
        if id == "cross-origin-redirect" { first.append("-L") }
        first.append(url)
        var commands = [first.joined(separator: " ")]
        switch id {
        case "cors-preflight":
            commands.append(
                "curl -i -X OPTIONS -H \(Escape.shell("Origin: \(client.origin ?? LabScenarios.corsOrigin)")) "
                    + """
                    -H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: authorization' \
                    \(url)
                    """
            )
        case "proxy-407":
            let value = "Basic " + Base64.encode(Array("\(LabScenarios.user):\(LabScenarios.password)".utf8))
            commands.append("curl -i -H \(Escape.shell("Proxy-Authorization: \(value)")) \(url)")
        case "missing-challenge":
            commands.append("curl -i -H 'X-API-Key: \(LabScenarios.apiKey)' \(url)")
        default:
            break
        }
        return commands
    }

    /// The `why401` command line that diagnoses the scenario.
    public func why401Command(baseURL: String) -> String {
        var parts = ["why401", Escape.shell(url(base: baseURL))]
        if client.method != "GET" { parts += ["-X", client.method] }
        switch client.credentials {
        case .none: break
        case .basic(let user, let password): parts += ["-u", Escape.shell("\(user):\(password)")]
        case .digest(let user, let password): parts += ["--digest", "-u", Escape.shell("\(user):\(password)")]
        case .bearer(let token): parts += ["--bearer", Escape.shell(token)]
        }
        if let cookie = client.cookie { parts += ["-b", Escape.shell(cookie)] }
        if let origin = client.origin { parts += ["--origin", Escape.shell(origin)] }
        return parts.joined(separator: " ")
    }
}

enum LabIndexPage {
    static func response(request: LabRequest, state: LabState) -> LabResponse {
        .html(200, html(state: state))
    }

    static func html(state: LabState) -> String {
        let base = state.baseURL
        let scenarios = LabScenarios.all(now: state.clock(), issuer: state.baseURL)
        var rows = ""
        for scenario in scenarios {
            let commands = scenario.curlCommands(baseURL: base).map { "<pre>\(HTMLText.escape($0))</pre>" }.joined()
            rows += """
                <tr id="\(HTMLText.escape(scenario.id))"><td><code>\(HTMLText.escape(scenario.id))</code></td>\
                <td><a href="\(HTMLText.escape(scenario.path))">\(HTMLText.escape(scenario.path))</a></td>\
                <td>\(HTMLText.escape(scenario.summary))<br><small>\(HTMLText.escape(scenario.behaviour))</small></td>\
                <td><code>\(HTMLText.escape(scenario.expectedCause ?? "— (healthy: exit 0)"))</code></td>\
                <td>\(commands)<pre>\(HTMLText.escape(scenario.why401Command(baseURL: base)))</pre></td></tr>

                """
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>why401 lab</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}\
            td,th{border:1px solid #ccc;padding:.4em;vertical-align:top}pre{margin:.2em \
            0;white-space:pre-wrap;word-break:break-all}</style>
            </head><body>
            <h1>why401 lab</h1>
            <p>Every path reproduces one cause of a <code>401 Unauthorized</code>. Demo user \
            <code>\(HTMLText.escape(LabScenarios.user))</code>, \
            password <code>\(HTMLText.escape(LabScenarios.password))</code> (wrong on purpose: \
            <code>\(HTMLText.escape(LabScenarios.wrongPassword))</code>). \
            JWTs are HS256 with the key <code>\(HTMLText.escape(LabScenarios.jwtSecret))</code>. \
            Second origin (redirect target): <code>\(HTMLText.escape(state.secondBaseURL))/</code>. \
            RFC 9728 metadata: <a \
            href="/.well-known/oauth-protected-resource">/.well-known/oauth-protected-resource</a>.</p>
            <table><tr><th>scenario</th><th>path</th><th>what happens</th><th>expected cause</th><th>try it</th></tr>
            \(rows)</table>
            </body></html>

            """
    }
}
