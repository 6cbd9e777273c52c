import CredentialModel
import Evidence
import FoundationEssentials

/// What the server said in the body of its answer: a JSON `detail`/`message`/`error_description`/
/// `error`/`title` (RFC 9457 problem+json included), the first line of a plain-text body, or the
/// title of an HTML page. Shortened to one line and with token-like words masked: a server may
/// echo the credential it refused.
public struct ServerMessage: Sendable, Hashable {
    /// The message, one line, shortened, with token-like words masked.
    public var text: String
    /// Where it came from: `JSON "detail"`, `text body`, `HTML title`.
    public var source: String

    /// The evidence line quoting it.
    public var line: String { "the server says: “\(text)” (\(source))" }

    /// JSON keys that carry the human message, in the order frameworks use them.
    static let jsonKeys = [
        "detail", "message", "error_description", "error", "title", "msg", "error_message", "reason",
    ]

    /// The message in a response body, or nil when the body is empty or says nothing readable.
    public static func read(_ response: RecordedResponse) -> ServerMessage? {
        let body = response.bodyPrefix
        guard !body.isEmpty else { return nil }
        let type = (response.headers.first("Content-Type") ?? "").lowercased()
        let firstByte = body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) })
        if type.contains("json") || firstByte == UInt8(ascii: "{") {
            if let object = try? JSONDecoder().decode([String: JSONScalarTree].self, from: Data(body)) {
                return fromJSON(object)
            }
        }
        let text = String(decoding: body, as: UTF8.self)
        if type.contains("html") || text.lowercased().contains("<html") || text.lowercased().contains("<title") {
            return htmlTitle(text).map { ServerMessage(text: $0, source: "HTML title") }
        }
        guard type.isEmpty || type.hasPrefix("text/plain") else { return nil }
        let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingOWS }.first { !$0.isEmpty }
        return line.map { ServerMessage(text: clean($0), source: "text body") }
    }

    static func fromJSON(_ object: [String: JSONScalarTree], depth: Int = 0) -> ServerMessage? {
        for key in jsonKeys {
            guard let value = object[key] else { continue }
            switch value {
            case .string(let s) where !s.trimmingOWS.isEmpty:
                return ServerMessage(text: clean(s), source: "JSON \"\(key)\"")
            case .object(let inner) where depth < 2:
                if let found = fromJSON(inner, depth: depth + 1) { return found }
            case .array(let items) where depth < 2:
                // FastAPI's validation errors, JSON:API `errors`: the first item's message.
                for item in items {
                    if case .object(let inner) = item, let found = fromJSON(inner, depth: depth + 1) { return found }
                    if case .string(let s) = item, !s.isEmpty {
                        return ServerMessage(text: clean(s), source: "JSON \"\(key)\"")
                    }
                }
            default:
                continue
            }
        }
        if depth < 2, case .array(let errors)? = object["errors"] {
            for case .object(let inner) in errors {
                if let found = fromJSON(inner, depth: depth + 1) { return found }
            }
        }
        return nil
    }

    static func htmlTitle(_ html: String) -> String? {
        let lower = html.lowercased()
        guard let open = lower.firstRange(of: "<title"),
            let close = lower[open.upperBound...].firstRange(of: "</title>"),
            let gt = lower[open.upperBound..<close.lowerBound].firstIndex(of: ">")
        else { return nil }
        let start = html.index(after: gt)
        let title = clean(String(html[start..<close.lowerBound]))
        return title.isEmpty ? nil : title
    }

    /// One line, at most 160 characters, token-like words (24+ characters of base64url/JWT
    /// alphabet) replaced by their length.
    static func clean(_ text: String) -> String {
        let words = text.split(whereSeparator: { $0.isWhitespace }).map { word -> String in
            let tokenish =
                word.count >= 24
                && word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.~+/=".contains($0)) }
            return tokenish ? "…(\(word.count) chars)" : String(word)
        }
        let line = words.joined(separator: " ")
        return line.count > 160 ? String(line.prefix(157)) + "…" : line
    }
}

/// Known messages of frameworks and APIs, as data: a lower-cased phrase the message contains, and
/// the cause it states. Django REST framework, FastAPI, Flask, Express/Passport, Spring, Laravel,
/// GitHub/GitLab-style APIs and gateways.
public enum KnownServerMessages {
    /// Each phrase (lower case, matched as a substring of the message) with the finding id it states;
    /// the first matching entry wins.
    public static let table: [(phrase: String, id: FindingID)] = [
        ("authentication credentials were not provided", .credentialsMissing),
        ("not authenticated", .credentialsMissing),
        ("no authorization header", .credentialsMissing),
        ("authorization header is missing", .credentialsMissing),
        ("missing authorization", .credentialsMissing),
        ("missing authentication token", .credentialsMissing),
        ("no auth token", .credentialsMissing),
        ("no token provided", .credentialsMissing),
        ("missing bearer token", .credentialsMissing),
        ("missing api key", .credentialsMissing),
        ("no api key found", .credentialsMissing),
        ("no credentials found", .credentialsMissing),
        ("no api key", .credentialsMissing),
        ("unauthenticated", .credentialsMissing),
        ("token has expired", .tokenExpired),
        ("token is expired", .tokenExpired),
        ("token expired", .tokenExpired),
        ("expired token", .tokenExpired),
        ("signature has expired", .tokenExpired),
        ("jwt expired", .tokenExpired),
        ("jwt is expired", .tokenExpired),
        ("invalid token", .tokenInvalid),
        ("token is invalid", .tokenInvalid),
        ("token not valid", .tokenInvalid),
        ("could not validate credentials", .tokenInvalid),
        ("invalid jwt", .tokenInvalid),
        ("jwt malformed", .tokenInvalid),
        ("invalid signature", .tokenInvalid),
        ("invalid username/password", .credentialsRejected),
        ("incorrect username or password", .credentialsRejected),
        ("invalid username or password", .credentialsRejected),
        ("bad credentials", .credentialsRejected),
        ("invalid credentials", .credentialsRejected),
        ("invalid authentication credentials", .credentialsRejected),
        ("invalid api key", .credentialsRejected),
        ("wrong password", .credentialsRejected),
        ("incorrect api key", .credentialsRejected),
        ("api key is invalid", .credentialsRejected),
        ("invalid access token", .tokenInvalid),
        ("not enough permissions", .tokenInsufficientScope),
        ("insufficient scope", .tokenInsufficientScope),
        ("insufficient_scope", .tokenInsufficientScope),
        ("you do not have permission", .authzForbidden),
        ("session expired", .sessionStaleCookie),
        ("session has expired", .sessionStaleCookie),
    ]

    /// The cause a message states, if it is one of the known ones.
    public static func cause(of message: ServerMessage) -> FindingID? {
        let lower = message.text.lowercased()
        return table.first { lower.contains($0.phrase) }?.id
    }
}

extension CheckEvidence.Step {
    /// What the server said in this answer's body, if anything readable.
    var serverMessage: ServerMessage? { exchange.response.flatMap(ServerMessage.read) }
}

/// The cause the server states in its body ("Invalid token.", "Token has expired", "Invalid
/// username/password.", "Not enough permissions") when credentials were sent: a fact from the
/// server, ranked after what why401 proves itself (an expired `exp`, a bad signature) and before
/// every inference. "No credentials" and "no permission" messages support the rules that own
/// those ids (`credentials.missing`, `authz.forbidden`) as quoted evidence instead.
public enum ServerStatedCauseRule: Rule {
    static let drfToken: KeyValuePairs<String, String> = [
        "WWW-Authenticate": "Token", "Content-Type": "application/json",
    ]
    /// Raises `token.invalid`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenInvalid,
        triggering: [
            CheckSample.make(
                sent: .other("Token"),
                CheckSample.step(.asGiven, 401, drfToken, body: #"{"detail":"Invalid token."}"#)),
            CheckSample.make(
                sent: .bearer,
                CheckSample.step(
                    .asGiven, 401, ["WWW-Authenticate": "Bearer"], body: #"{"detail":"Could not validate credentials"}"#
                )),
        ],
        nonTriggering: [
            CheckSample.make(
                sent: .none,
                CheckSample.step(.asGiven, 401, drfToken, credentialed: false, body: #"{"detail":"Invalid token."}"#)),
            CheckSample.make(
                sent: .other("Token"), CheckSample.step(.asGiven, 401, drfToken, body: #"{"detail":"Something else."}"#)
            ),
            CheckSample.make(
                sent: .other("Token"), CheckSample.step(.asGiven, 200, body: #"{"detail":"Invalid token."}"#)),
        ])

    /// Ids this rule raises itself; the others are quoted by the rules that own them.
    static let raised: Set<FindingID> = [.tokenInvalid, .tokenExpired, .credentialsRejected, .tokenInsufficientScope]

    /// The cause the final answer's body states, when credentials were sent and it is one this rule raises.
    static func statedCause(_ e: CheckEvidence) -> (id: FindingID, message: ServerMessage)? {
        guard e.sent != .none, let final = e.final, final.credentialed, final.status == 401 || final.status == 403,
            let message = final.serverMessage, let id = KnownServerMessages.cause(of: message), raised.contains(id)
        else { return nil }
        return (id, message)
    }

    /// The finding the server's own message states, when credentials were sent, the final answer is 401 or 403
    /// and the message names a refused or expired token, rejected credentials or a missing scope.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let (id, message) = statedCause(e), let final = e.final else { return [] }
        var sent = ""
        if case .apiKey(let header) = e.sent { sent = "An API key was sent in \(header) and refused. " }
        let finding = Finding(
            id, detail: sent + "The server's answer says why the \(final.status!) came: “\(message.text)”.",
            evidence: [final.line, message.line])
        return [id == .credentialsRejected ? CredentialsRejectedRule.fitted(finding, e) : finding]
    }
}
