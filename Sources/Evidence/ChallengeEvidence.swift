import HTTPAuth

/// What a server asked for: the `WWW-Authenticate` (or `Proxy-Authenticate`) field values of one
/// response, parsed once so every challenge rule reads the same result.
public struct ChallengeEvidence: Sendable, Hashable {
    /// Which header the values came from.
    public enum Header: String, Sendable, Hashable {
        case wwwAuthenticate = "WWW-Authenticate"
        case proxyAuthenticate = "Proxy-Authenticate"
    }

    /// The response status, when the values came from a response (nil for a pasted header value).
    public var status: Int?
    public var header: Header
    /// Field values in order, one per header line.
    public var fields: [String]
    /// The lenient parse of all fields: every challenge recovered, every deviation located.
    public var parsed: ChallengeParseResult

    public init(fields: [String], header: Header = .wwwAuthenticate, status: Int? = nil) {
        self.status = status
        self.header = header
        self.fields = fields
        self.parsed = ChallengeParser.parse(fields: fields)
    }

    /// The challenges of a recorded response: `Proxy-Authenticate` for a 407, else `WWW-Authenticate`.
    public init(response: RecordedResponse) {
        let header: Header = response.status == 407 ? .proxyAuthenticate : .wwwAuthenticate
        self.init(fields: response.headers.values(header.rawValue), header: header, status: response.status)
    }

    public var challenges: [Challenge] { parsed.challenges }
}
