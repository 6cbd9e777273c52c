import Checkup
import Diagnosis
import Foundation
import Report
import Why401Kit

/// A live check as the page or the API gives it (the JSON fields of `POST /api/v1/check`).
struct CheckInput: Sendable {
    var url: String
    var user: String?
    var password: String?
    var bearer: String?
    var headers: [(name: String, value: String)] = []
    var method: String?
    var digest = false
}

/// A token to inspect (`POST /api/v1/jwt`): a key only as text or a URL, never a file here.
struct TokenInput: Sendable {
    var token: String
    var secret: String?
    var jwks: String?
    var audience: String?
    var issuer: String?
}

/// Challenge values to read (`POST /api/v1/challenge`).
struct ChallengeInput: Sendable {
    var headers: [[UInt8]]
    var proxy = false
    var status: Int?
}

/// What a diagnosis gave: the report with its outcome decided by the CLI's one exit policy (so the
/// JSON is byte for byte what `why401 … --json` prints), and for a live check that got no HTTP
/// answer the reason (the CLI's exit-3 line).
struct Diagnosed: Sendable {
    var report: DiagnosticReport
    var incomplete: String?
}

/// The front end's whole "logic": input → library request → `UseCase` → report builder. Nothing here
/// judges anything; refusals of the library (`AuditFailure`) become 400 (usage) or 422 (could not
/// complete).
enum Diagnose {
    static let policy = ExitPolicy()

    static func check(_ input: CheckInput, maxTime: Double) async throws -> Diagnosed {
        let url = input.url.trimmed
        guard url.contains("://") else {
            throw Refusal.badRequest("url: give an absolute http(s) URL (https://…)")
        }
        var request = settings(url: url, maxTime: maxTime)
        let method = input.method?.trimmed ?? ""
        request.method = method.isEmpty ? "GET" : method.uppercased()
        guard request.method.allSatisfy({ $0.isASCII && ($0.isLetter || $0 == "-") }) else {
            throw Refusal.badRequest("method: letters only (GET, POST, …)")
        }
        try library {
            for header in input.headers where !header.name.trimmed.isEmpty {
                try request.addHeader(line: "\(header.name): \(header.value)")
            }
        }
        let user = input.user?.nonEmpty
        let password = input.password?.nonEmpty
        if let user {
            guard let password else {
                throw Refusal.badRequest("password: give the password for the user (or use bearer for a token)")
            }
            request.user = user
            request.password = password
        } else if password != nil {
            throw Refusal.badRequest("user: a password needs the user name")
        }
        if let bearer = input.bearer?.trimmed.nonEmpty { request.bearer = bearer }
        request.passwordMode = input.digest ? .digest : .basic
        let result = try await awaiting { try await UseCase.check(request) }
        return Diagnosed(report: policy.applied(to: CheckReport.report(result)), incomplete: result.incomplete)
    }

    static func curl(_ command: String, maxTime: Double) async throws -> Diagnosed {
        guard !command.trimmed.isEmpty else { throw Refusal.badRequest("command: paste the curl command") }
        // Files named in the command (-d @FILE, -b FILE) are this machine's, not the browser user's:
        // never read. `-u USER` without a password is a usage error, not a prompt.
        let request = CurlRequest(
            input: .text(command), settings: settings(url: "", maxTime: maxTime), command: "curl", readsFiles: false,
            password: nil)
        let result = try await awaiting { try await UseCase.diagnoseCurl(request) }
        return Diagnosed(report: policy.applied(to: CheckReport.report(result)), incomplete: result.incomplete)
    }

    static func har(_ bytes: [UInt8], name: String) async throws -> Diagnosed {
        guard !bytes.isEmpty else { throw Refusal.badRequest("har: the HAR is empty") }
        // No --redact here: nothing is written to disk. A 32 MiB export takes seconds to read: on a
        // thread of its own, so the server's few concurrency threads keep answering.
        return try await onOwnThread {
            let result = try library { try UseCase.analyzeHAR(HARRequest(source: .bytes(bytes, name: name))) }
            return Diagnosed(report: policy.applied(to: HARReport.report(result)))
        }
    }

    /// Runs long synchronous work on a new thread and resumes with its result.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    static func jwt(_ input: TokenInput, maxTime: Double) async throws -> Diagnosed {
        var key: TokenKeySource?
        if let secret = input.secret?.nonEmpty { key = .secret(secret) }
        if let jwks = input.jwks?.trimmed.nonEmpty {
            guard key == nil else { throw Refusal.badRequest("give at most one of secret, jwks") }
            let lower = jwks.lowercased()
            key = lower.hasPrefix("http://") || lower.hasPrefix("https://") ? .jwksURL(jwks) : .jwks(jwks)
        }
        let request = TokenInspectionRequest(
            token: input.token, key: key, audience: input.audience?.trimmed.nonEmpty,
            issuer: input.issuer?.trimmed.nonEmpty, timeout: min(10, maxTime))
        let result = try await awaiting { try await UseCase.inspectToken(request) }
        return Diagnosed(report: policy.applied(to: JWTReport.report(result)))
    }

    static func challenge(_ input: ChallengeInput) throws -> Diagnosed {
        let request = ChallengeReadRequest(fields: input.headers, proxy: input.proxy, status: input.status)
        let result = try library { try UseCase.readChallenge(request) }
        return Diagnosed(report: policy.applied(to: ChallengeReport.report(result)))
    }

    /// `why401 explain ID`, as `ExplainCommand` looks it up.
    static func explain(_ id: String) throws -> DiagnosticReport {
        guard let entry = Catalog.entry(named: id) else {
            let suggestions = Catalog.nearest(to: id)
            let hint =
                suggestions.isEmpty
                ? "GET /api/v1/explain lists all ids" : "did you mean \(suggestions.joined(separator: ", "))?"
            throw Refusal(.notFound, "unknown finding id '\(Sanitize.line(String(id.prefix(80))))': \(hint)")
        }
        return policy.applied(to: CatalogReport.report(ExplainResult(entries: [entry], single: true)))
    }

    /// `why401 explain`: every entry.
    static func catalog() -> DiagnosticReport {
        policy.applied(to: CatalogReport.report(ExplainResult(entries: Catalog.entries, single: false)))
    }

    /// The CLI's defaults for the plan (3 identical requests, at most 4 credentialed, 10 s per
    /// request), bounded by the server's `--max-time`.
    static func settings(url: String, maxTime: Double) -> CheckRequest {
        CheckRequest.frontEnd(url: url, maxTime: maxTime)
    }

    /// The library's refusals as HTTP: usage → 400, could not complete → 422.
    static func library<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let failure as AuditFailure {
            throw Refusal(failure.kind == .usage ? .badRequest : .unprocessableContent, failure.message.oneLine)
        }
    }

    static func awaiting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as AuditFailure {
            throw Refusal(failure.kind == .usage ? .badRequest : .unprocessableContent, failure.message.oneLine)
        }
    }
}

extension String {
    /// Without leading and trailing whitespace.
    var trimmed: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// Nil when empty.
    var nonEmpty: String? { isEmpty ? nil : self }

    /// Line breaks as spaces, control characters visible: a reason fit for one line.
    var oneLine: String {
        Sanitize.line(split(whereSeparator: \.isNewline).joined(separator: " "))
    }
}
