/// The shared evidence model. A live probe and a HAR import both produce `Exchange` values, so
/// every HTTP rule works on both. Header values that carry secrets are masked *when recorded*
/// (see `HeaderField.masked`), so the raw secret never reaches a rule's output or a renderer.

import HTTPAuth

/// One header line, name as written, value as sent or received. Order and repeats are kept by
/// storing fields in arrays, never in dictionaries.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// The same field with any secret in its value masked for display.
    public var masked: HeaderField { HeaderField(name, SecretMasking.maskHeaderValue(name: name, value: value)) }
}

extension Array where Element == HeaderField {
    /// All values of a header, in order (names are case-insensitive).
    public func values(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The first value of a header, if present.
    public func first(_ name: String) -> String? { values(name).first }
}

/// The request as sent. `headers` are already masked for display.
public struct RecordedRequest: Sendable, Hashable {
    public var method: String
    public var url: String
    public var headers: [HeaderField]
    public init(method: String, url: String, headers: [HeaderField]) {
        self.method = method
        self.url = SecretMasking.maskURL(url)
        self.headers = headers.map(\.masked)
    }
}

/// The response as received.
public struct RecordedResponse: Sendable, Hashable {
    public var status: Int
    public var headers: [HeaderField]
    /// The first bytes of the body (at most 64 KiB), for fingerprints and error messages.
    public var bodyPrefix: [UInt8]
    /// The `WWW-Authenticate` (for a 407 `Proxy-Authenticate`) values as the bytes that arrived,
    /// where the transport kept them (HTTP/1): a realm in ISO-8859-1 survives to the challenge
    /// parser. Empty when unknown; `headers` then is the source.
    public var rawChallengeFields: [[UInt8]]
    public init(status: Int, headers: [HeaderField], bodyPrefix: [UInt8] = [], rawChallengeFields: [[UInt8]] = []) {
        self.status = status
        self.headers = headers.map(\.masked)
        self.bodyPrefix = bodyPrefix
        self.rawChallengeFields = rawChallengeFields
    }
}

/// How long each phase of one exchange took, in milliseconds (nil: the phase did not happen,
/// e.g. no TLS on plain http, no DNS for a literal address).
public struct Timings: Sendable, Hashable {
    public var dns: Double?
    public var connect: Double?
    public var tls: Double?
    public var firstByte: Double?
    public var total: Double?
    public init(dns: Double? = nil, connect: Double? = nil, tls: Double? = nil, firstByte: Double? = nil, total: Double? = nil) {
        self.dns = dns
        self.connect = connect
        self.tls = tls
        self.firstByte = firstByte
        self.total = total
    }
}

/// One request and what came back (nil when the request failed before a response).
public struct Exchange: Sendable, Hashable {
    public var request: RecordedRequest
    public var response: RecordedResponse?
    /// `address:port` that answered.
    public var peer: String?
    /// Total time for the exchange in milliseconds.
    public var milliseconds: Double?
    /// Why this request was made (`as given`, `without credentials`, …): the plan step.
    public var purpose: String?
    /// Per-phase timings, where the transport measured them.
    public var timings: Timings?
    /// `HTTP/1.1` or `HTTP/2`.
    public var httpVersion: String?
    /// Why no response came (refused, timeout, TLS failure), one line, secret-free.
    public var failure: String?

    public init(
        request: RecordedRequest, response: RecordedResponse?, peer: String? = nil, milliseconds: Double? = nil,
        purpose: String? = nil, timings: Timings? = nil, httpVersion: String? = nil, failure: String? = nil
    ) {
        self.request = request
        self.response = response
        self.peer = peer
        self.milliseconds = milliseconds
        self.purpose = purpose
        self.timings = timings
        self.httpVersion = httpVersion
        self.failure = failure
    }
}
