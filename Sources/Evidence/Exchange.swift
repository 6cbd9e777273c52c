/// The shared evidence model. A live probe and a HAR import both produce `Exchange` values, so
/// every HTTP rule works on both. Header values that carry secrets are masked *when recorded*
/// (see `HeaderField.masked`), so the raw secret never reaches a rule's output or a renderer.

import HTTPAuth

/// One header line, name as written, value as sent or received. Order and repeats are kept by
/// storing fields in arrays, never in dictionaries.
public struct HeaderField: Sendable, Hashable {
    /// The header name as written; compare case-insensitively (`values(_:)` does).
    public var name: String
    /// The value as sent or received; masked when it sits in a `RecordedRequest` or `RecordedResponse`.
    public var value: String
    /// A header line; repeats are separate fields, in order.
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
    /// The request method (`GET`, `OPTIONS` for a preflight, …).
    public var method: String
    /// The URL with any user-info or secret query parameters masked on the way in.
    public var url: String
    /// The headers sent, in order, with `Authorization`, cookies and other secrets masked.
    public var headers: [HeaderField]
    /// Records a request, masking the URL and every secret header value as it is stored.
    public init(method: String, url: String, headers: [HeaderField]) {
        self.method = method
        self.url = SecretMasking.maskURL(url)
        self.headers = headers.map(\.masked)
    }
}

/// The response as received.
public struct RecordedResponse: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// The headers received, in order, with any secret values (`Set-Cookie`, echoed tokens) masked.
    public var headers: [HeaderField]
    /// The first bytes of the body (at most 64 KiB), for fingerprints and error messages.
    public var bodyPrefix: [UInt8]
    /// The `WWW-Authenticate` (for a 407 `Proxy-Authenticate`) values as the bytes that arrived,
    /// where the transport kept them (HTTP/1): a realm in ISO-8859-1 survives to the challenge
    /// parser. Empty when unknown; `headers` then is the source.
    public var rawChallengeFields: [[UInt8]]
    /// Records a response, masking secret header values as they are stored.
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
    /// Name resolution.
    public var dns: Double?
    /// TCP connect.
    public var connect: Double?
    /// TLS handshake.
    public var tls: Double?
    /// From sending the request to the first byte of the response.
    public var firstByte: Double?
    /// The whole exchange, connect to last byte.
    public var total: Double?
    /// Records the phases a transport measured; leave out what did not happen.
    public init(
        dns: Double? = nil, connect: Double? = nil, tls: Double? = nil, firstByte: Double? = nil, total: Double? = nil
    ) {
        self.dns = dns
        self.connect = connect
        self.tls = tls
        self.firstByte = firstByte
        self.total = total
    }
}

/// One request and what came back (nil when the request failed before a response).
public struct Exchange: Sendable, Hashable {
    /// The request as sent, secrets masked.
    public var request: RecordedRequest
    /// The response, or nil when the request failed (see `failure`).
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

    /// Records one exchange; a live probe and a HAR import both build these, so every rule works on both.
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
