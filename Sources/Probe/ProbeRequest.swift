import Evidence

/// One request the diagnosis plan wants sent. Header values are RAW (secrets included): the
/// prober needs them to put on the wire, and masks them only when it records the `Exchange`.
public struct ProbeRequest: Sendable, Equatable {
    public var method: String
    /// Absolute `http://` or `https://` URL. Userinfo in it is not turned into a header: the plan
    /// decides the credential policy, so it builds any Authorization header itself.
    public var url: String
    public var headers: [HeaderField]
    public var body: [UInt8]
    /// The plan step (`as given`, `without credentials`, …), copied into `Exchange.purpose`.
    public var purpose: String?

    public init(
        method: String = "GET", url: String, headers: [HeaderField] = [], body: [UInt8] = [], purpose: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.purpose = purpose
    }
}

/// What one probe produced. `exchange` is always there (so a failure is still evidence: "refused
/// on 10.0.0.2:443" matters to a diagnosis); it holds masked headers only.
public struct ProbeResult: Sendable {
    /// The masked record; `response` is nil and `failure` set when no response came.
    public var exchange: Exchange
    public var failure: ProbeFailure?
    /// Response headers unmasked (Set-Cookie, …) for the plan's own logic, e.g. replaying a session
    /// cookie. Never print these: renderers get `exchange`.
    public var rawResponseHeaders: [HeaderField]
    /// The first `maxBodyBytes` of the body.
    public var body: [UInt8]

    public init(exchange: Exchange, failure: ProbeFailure?, rawResponseHeaders: [HeaderField], body: [UInt8]) {
        self.exchange = exchange
        self.failure = failure
        self.rawResponseHeaders = rawResponseHeaders
        self.body = body
    }
}
