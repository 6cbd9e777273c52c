// A self-signed certificate made at test time with the real openssl binary (never committed).
import Foundation
import NIOSSL
import TestSupport

struct TLSFixture: Sendable {
    let certPath: String
    let keyPath: String
    let dir: TempDirectory

    static func make() throws -> TLSFixture {
        let dir = try TempDirectory(prefix: "why401-probe-tls")
        let cert = dir.path("c.pem")
        let key = dir.path("k.pem")
        let result = try ProcessRunner.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                "-keyout", key, "-out", cert, "-days", "1",
            ], timeout: 60)
        guard result.succeeded else { throw FixtureError.openssl(result.description) }
        return TLSFixture(certPath: cert, keyPath: key, dir: dir)
    }

    func serverContext(alpn: [String] = []) throws -> NIOSSLContext {
        var config = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certPath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem)))
        config.applicationProtocols = alpn
        return try NIOSSLContext(configuration: config)
    }

    enum FixtureError: Error { case openssl(String) }
}
