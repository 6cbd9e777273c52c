/// What the client plan needs from the network: send one request, resolve one name. The plan
/// talks only to this, so its decisions (where credentials go, which method, how many attempts)
/// are tested with a scripted transport that answers from a table and records what was sent, and
/// again on loopback with `Prober`.
public protocol Transport: Sendable {
    /// Sends one request (to `address` when given; Host and SNI keep the URL's name). Never throws:
    /// a failure is a `ProbeResult` whose exchange says what happened.
    func send(_ request: ProbeRequest, address: String?) async -> ProbeResult
    /// The addresses `host` resolves to, as the system resolver gives them.
    func resolve(host: String, timeout: Double) async -> Result<[String], ProbeFailure>
    /// Releases what the transport holds; it sends nothing afterwards.
    func shutdown() async
}

extension Transport {
    public func resolve(host: String, timeout: Double) async -> Result<[String], ProbeFailure> {
        await Resolver.resolve(host: host, timeout: timeout)
    }

    public func shutdown() async {}
}

/// The live transport: real sockets (HTTP/1.1 and HTTP/2 over TCP/TLS on SwiftNIO).
extension Prober: Transport {}
