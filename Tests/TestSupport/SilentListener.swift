import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback listener that accepts connections into its backlog and never answers: the peer a
/// timeout test needs. Closed on `close()` or deinit.
public final class SilentListener: @unchecked Sendable {
    private var fd: Int32
    public let port: UInt16

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, bound, listen(fd, 16) == 0 else {
            if fd >= 0 { Glibc.close(fd) }
            throw RealServerError.noFreePort
        }
        self.fd = fd
        self.port = UInt16(bigEndian: addr.sin_port)
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
