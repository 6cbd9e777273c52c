import HTTPAuth

/// What a server asked for: the `WWW-Authenticate` (or `Proxy-Authenticate`) field values of one
/// response, parsed once so every challenge rule reads the same result.
public struct ChallengeEvidence: Sendable, Hashable {
    /// Which header the values came from.
    public enum Header: String, Sendable, Hashable {
        /// The origin server's challenge, answering a 401.
        case wwwAuthenticate = "WWW-Authenticate"
        /// A proxy's challenge, answering a 407: credentials are wanted by the proxy, not the site.
        case proxyAuthenticate = "Proxy-Authenticate"
    }

    /// The response status, when the values came from a response (nil for a pasted header value).
    public var status: Int?
    /// Whether the values are the site's or a proxy's challenges, which decides what a finding advises.
    public var header: Header
    /// Field values in order, one per header line (as text: a line that is not UTF-8 is shown as
    /// ISO-8859-1, see `rawFields`).
    public var fields: [String]
    /// The same lines as bytes: deviation offsets count in these.
    public var rawFields: [[UInt8]]
    /// The lenient parse of all fields: every challenge recovered, every deviation located.
    public var parsed: ChallengeParseResult

    /// Parses field values given as text (a pasted header, a HAR entry), one element per header line.
    public init(fields: [String], header: Header = .wwwAuthenticate, status: Int? = nil) {
        self.status = status
        self.header = header
        self.fields = fields
        self.rawFields = fields.map { Array($0.utf8) }
        self.parsed = ChallengeParser.parse(fields: fields)
    }

    /// Field lines as raw bytes (a pasted or piped header may be ISO-8859-1, not UTF-8): values that
    /// are not UTF-8 are read as ISO-8859-1 and each such byte is a located `invalidUTF8` deviation.
    public init(fieldBytes: [[UInt8]], header: Header = .wwwAuthenticate, status: Int? = nil) {
        self.status = status
        self.header = header
        self.fields = fieldBytes.map(ChallengeParser.displayText)
        self.rawFields = fieldBytes
        self.parsed = ChallengeParser.parse(fieldBytes: fieldBytes)
    }

    /// The challenges of a recorded response: `Proxy-Authenticate` for a 407, else `WWW-Authenticate`.
    public init(response: RecordedResponse) {
        let header: Header = response.status == 407 ? .proxyAuthenticate : .wwwAuthenticate
        let values = response.headers.values(header.rawValue)
        // The bytes as received, where the transport kept them (one per value): a non-UTF-8 realm
        // is read as ISO-8859-1 and flagged at its offset, not replaced by U+FFFD.
        if !response.rawChallengeFields.isEmpty, response.rawChallengeFields.count == values.count {
            self.init(fieldBytes: response.rawChallengeFields, header: header, status: response.status)
        } else {
            self.init(fields: values, header: header, status: response.status)
        }
    }

    /// The challenges recovered from all fields, in order, even where the value was malformed.
    public var challenges: [Challenge] { parsed.challenges }
}
