// Per-address probing and name pins, on loopback addresses only (127.0.0.1 and 127.0.0.2).
import Checkup
import Diagnosis
import Evidence
import Foundation
import Lab
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A listener that answers every connection with one fixed response (a "stale backend").
final class FixedResponder: @unchecked Sendable {
    let fd: Int32
    let port: UInt16
    private let thread: Thread

    init(address: String, port: UInt16, response: String) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr(address)
        addr.sin_port = port.bigEndian
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw HarnessFailure("cannot listen on \(address):\(port)") }
        self.fd = fd
        self.port = port
        let listener = fd
        thread = Thread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                var buffer = [UInt8](repeating: 0, count: 8192)
                _ = recv(client, &buffer, buffer.count, 0)
                _ = response.withCString { send(client, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                close(client)
            }
        }
        thread.start()
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("Addresses and name pins")
struct AddressTests {
    @Test(
        """
        Two addresses answering differently → dns.address-mismatch, both probed within the default budget as the \
        repeats; --resolve → dns.hosts-override
        """
    )
    func addressMismatch() async throws {
        let lab = try await LabServer.start(host: "127.0.0.1")
        defer { Task { try? await lab.stop() } }
        let port = UInt16(lab.port)
        let stale = try FixedResponder(
            address: "127.0.0.2", port: port,
            response:
                """
                HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"old\"\r\nContent-Length: \
                0\r\nConnection: close\r\n\r\n
                """
        )
        defer { stale.stop() }

        var request = CheckRequest(url: "http://lab.test:\(port)/healthy/")
        request.user = LabScenarios.user
        request.password = LabScenarios.password
        request.probe.resolve["lab.test:\(port)"] = ["127.0.0.1", "127.0.0.2"]
        request.maxTime = 30
        let outcome = await Checkup.run(request)
        let findings = ClientRules.run(outcome.evidence)
        let ids = findings.map(\.id)
        #expect(outcome.incomplete == nil)
        #expect(ids.contains("dns.address-mismatch"), "\(ids)")
        #expect(ids.contains("dns.hosts-override"), "\(ids)")
        let mismatch = try #require(findings.first { $0.id == "dns.address-mismatch" })
        #expect(mismatch.evidence.contains("127.0.0.1 → 200"))
        #expect(mismatch.evidence.contains("127.0.0.2 → 401"))
        // Within the default budget each address is probed, and they are the repeats.
        #expect(outcome.evidence.steps(.address).map(\.label) == ["127.0.0.1", "127.0.0.2"], "\(outcome.notes)")
        #expect(outcome.evidence.steps(.repeated).isEmpty)
        #expect(outcome.evidence.credentialedRequests <= 4)
        // Host stayed the name for both addresses.
        for step in outcome.evidence.steps(.address) {
            #expect(step.exchange.request.headers.first("Host") == "lab.test:\(port)")
        }
    }

    @Test("localhost → 127.0.0.1 in /etc/hosts is the system default, not dns.hosts-override")
    func localhostIsNotAPin() async throws {
        let lab = try await LabServer.start(host: "127.0.0.1")
        defer { Task { try? await lab.stop() } }
        var request = CheckRequest(url: "http://localhost:\(lab.port)/no-credentials/")
        request.hostsFileText = "# test\n127.0.0.1\tlocalhost my.localhost\n::1 ip6-localhost\n"
        request.maxTime = 30
        let outcome = await Checkup.run(request)
        let findings = ClientRules.run(outcome.evidence)
        #expect(outcome.evidence.hostsFileAddresses == ["127.0.0.1"])
        #expect(!findings.contains { $0.id == "dns.hosts-override" }, "\(findings.map(\.id))")
        #expect(findings.first { $0.severity == .error }?.id == "credentials.missing")
    }

    @Test(
        "a pinned name: the fix names that host; a name resolving only to loopback is loopback (no insecure-transport)")
    func pinnedNameOnLoopback() async throws {
        let lab = try await LabServer.start(host: "127.0.0.1")
        defer { Task { try? await lab.stop() } }
        var request = CheckRequest(url: "http://api.test:\(lab.port)/healthy/")
        request.user = LabScenarios.user
        request.password = LabScenarios.password
        request.hostsFileText = "127.0.0.1 api.test\n"
        request.probe.resolve["api.test:\(lab.port)"] = ["127.0.0.1"]
        request.maxTime = 30
        let outcome = await Checkup.run(request)
        let findings = ClientRules.run(outcome.evidence)
        #expect(outcome.incomplete == nil)
        #expect(outcome.evidence.finalStatus == 200)
        #expect(outcome.evidence.isLoopback)
        #expect(!findings.contains { $0.id == "credentials.insecure-transport" }, "\(findings.map(\.id))")
        let pin = try #require(findings.first { $0.id == "dns.hosts-override" })
        #expect(pin.evidence.contains("/etc/hosts pins api.test to 127.0.0.1"), "\(pin.evidence)")
        #expect(pin.fix.contains { $0.contains("grep -n 'api.test' /etc/hosts") }, "\(pin.fix)")
        #expect(!pin.fix.joined().contains("example.com"), "\(pin.fix)")
    }
}
