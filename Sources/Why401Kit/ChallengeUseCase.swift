import Diagnosis
import Evidence
import Report

/// `why401 challenge VALUE…`: `WWW-Authenticate` (or `Proxy-Authenticate`) values to read the way a
/// client must (RFC 9110 §11). Offline: nothing is sent.
public struct ChallengeReadRequest: Sendable {
    /// One header field line each, as bytes (a server may send its realm in ISO-8859-1, which a
    /// Swift `String` would already have turned into U+FFFD). A pasted `WWW-Authenticate:` prefix is
    /// allowed and says which header it is.
    public var fields: [[UInt8]]
    /// The values are `Proxy-Authenticate` (the proxy, not the site, asks).
    public var proxy: Bool
    /// The status code the values came with, for checks that depend on it; a proxy's is 407.
    public var status: Int?

    public init(fields: [[UInt8]], proxy: Bool = false, status: Int? = nil) {
        self.fields = fields
        self.proxy = proxy
        self.status = status
    }

    /// Header values as text.
    public init(headers: [String], proxy: Bool = false, status: Int? = nil) {
        self.init(fields: headers.map { Array($0.utf8) }, proxy: proxy, status: status)
    }

    /// Text holding header lines (stdin, a pasted block) as fields: LF or CRLF ends a line, blank
    /// lines are skipped, and a line starting with a space or tab continues the one before it
    /// (obsolete line folding, RFC 9112 §5.2): it is kept joined by its CRLF, so the parser names the
    /// folding instead of reading the continuation as a new header line.
    public static func headerLines(_ input: [UInt8]) -> [[UInt8]] {
        var fields: [[UInt8]] = []
        var previousWasField = false
        for rawLine in input.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var line = Array(rawLine)
            if line.last == 0x0D { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                previousWasField = false
                continue
            }
            if previousWasField, let first = line.first, first == 0x20 || first == 0x09 {
                fields[fields.count - 1] += [0x0D, 0x0A] + line
            } else {
                fields.append(line)
                previousWasField = true
            }
        }
        return fields
    }
}

extension UseCase {
    /// Parses every challenge of every line, leniently and naming each deviation, and runs the
    /// challenge rules. Throws `AuditFailure.usage` when a line is the request's `Authorization`
    /// (credentials pasted by mistake — refused without echoing them), when there is no line at all,
    /// or when `status` is not a three-digit HTTP status.
    public static func readChallenge(_ request: ChallengeReadRequest) throws -> ChallengeResult {
        if let status = request.status, !(100...999).contains(status) {
            throw AuditFailure.usage("--status must be a three-digit HTTP status")
        }
        if request.fields.contains(where: looksLikeCredentials) {
            throw AuditFailure.usage(
                "that is an Authorization header (the client's credentials), not a challenge; "
                    + "give the response's WWW-Authenticate value")
        }
        var header: ChallengeEvidence.Header = request.proxy ? .proxyAuthenticate : .wwwAuthenticate
        let fields = request.fields.map { field in
            let (name, rest) = splitHeaderName(field)
            if let name { header = name }
            return rest
        }
        if fields.isEmpty { throw AuditFailure.usage("no header value given (stdin was empty)") }
        let status = request.status ?? (request.proxy ? 407 : nil)
        let evidence = ChallengeEvidence(fieldBytes: fields, header: header, status: status)
        return ChallengeResult(evidence: evidence, findings: ChallengeRules.run(evidence), status: request.status)
    }

    /// Strips a pasted `WWW-Authenticate:` / `Proxy-Authenticate:` prefix (ASCII, any case).
    static func splitHeaderName(_ field: [UInt8]) -> (ChallengeEvidence.Header?, [UInt8]) {
        for header in [ChallengeEvidence.Header.wwwAuthenticate, .proxyAuthenticate] {
            let prefix = Array((header.rawValue + ":").lowercased().utf8)
            if hasPrefixIgnoringCase(field, prefix) {
                return (header, Array(field.dropFirst(prefix.count).drop(while: { $0 == 0x20 || $0 == 0x09 })))
            }
        }
        return (nil, field)
    }

    static func hasPrefixIgnoringCase(_ bytes: [UInt8], _ lowerPrefix: [UInt8]) -> Bool {
        guard bytes.count >= lowerPrefix.count else { return false }
        for (b, p) in zip(bytes, lowerPrefix) where (b >= 0x41 && b <= 0x5A ? b + 0x20 : b) != p { return false }
        return true
    }

    static func looksLikeCredentials(_ field: [UInt8]) -> Bool {
        hasPrefixIgnoringCase(field, Array("authorization:".utf8))
            || hasPrefixIgnoringCase(field, Array("proxy-authorization:".utf8))
    }
}
