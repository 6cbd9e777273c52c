import Probe
import Testing

@Suite struct URLPartsTests {
    @Test func defaultsAndPieces() throws {
        let u = try URLParts.parse("HTTPS://Example.COM/a/b?c=d#frag").get()
        #expect(u.scheme == "https" && u.host == "example.com" && u.port == 443 && !u.hasExplicitPort)
        #expect(u.pathAndQuery == "/a/b?c=d")
        #expect(u.origin == "https://example.com")
        #expect(u.hostHeader == "example.com")
        let h = try URLParts.parse("http://example.com").get()
        #expect(h.port == 80 && h.pathAndQuery == "/")
        #expect(try URLParts.parse("http://example.com?q=1").get().pathAndQuery == "/?q=1")
    }

    @Test func explicitPortAndUserinfo() throws {
        let u = try URLParts.parse("http://alice:p%40ss@host.test:8080/x").get()
        #expect(u.userinfo == "alice:p%40ss")
        #expect(u.host == "host.test" && u.port == 8080 && u.hasExplicitPort)
        #expect(u.hostHeader == "host.test:8080")
        #expect(u.origin == "http://host.test:8080")
        #expect(u.resolveKey == "host.test:8080")
        // A default port written out is still the same origin.
        #expect(try URLParts.parse("https://h.test:443/").get().origin == "https://h.test")
    }

    @Test func ipv6Literal() throws {
        let u = try URLParts.parse("https://[2001:db8::1]:8443/p").get()
        #expect(u.host == "2001:db8::1" && u.port == 8443 && u.isIPv6Literal)
        #expect(u.hostHeader == "[2001:db8::1]:8443")
        #expect(u.resolveKey == "[2001:db8::1]:8443")
        let v = try URLParts.parse("http://[::1]/").get()
        #expect(v.host == "::1" && v.port == 80 && v.hostHeader == "[::1]")
    }

    @Test(arguments: [
        "", "example.com", "http//x", "http://", "http://:80/", "http://exa mple.com/", "http://[::1/",
        "http://[zz]/", "http://h:0/", "http://h:65536/", "http://h:-1/", "http://h:8o/", "http://ex\u{0}ample/",
        "1http://x/", "http://ho$t/",
    ])
    func garbageIsInvalid(url: String) {
        guard case .failure(.invalidURL) = URLParts.parse(url) else {
            Issue.record("accepted \(url.debugDescription)")
            return
        }
    }

    @Test func otherSchemesAreUnsupported() {
        #expect(URLParts.parse("ftp://example.com/") == .failure(.unsupportedScheme("ftp")))
        #expect(URLParts.parse("file:///etc/passwd") == .failure(.unsupportedScheme("file")))
    }

    @Test func reasonsNeverEchoTheURL() {
        guard case .failure(let f) = URLParts.parse("http://alice:s3cret@h:99999/") else {
            Issue.record("accepted")
            return
        }
        #expect(!f.description.contains("s3cret"))
    }
}

@Suite struct HostsFileTests {
    static let text = """
        # comment line
        127.0.0.1\tlocalhost
        ::1     localhost ip6-localhost ip6-loopback
        10.0.0.5  api.example.test  api   # the API box
        10.0.0.6  API.example.test
        # 10.0.0.7 api.example.test
        10.0.0.5  api.example.test
        garbage
        fe80::1%eth0 linklocal.test

        """

    @Test func namesAndAliasesCaseInsensitive() {
        let hosts = HostsFile(text: Self.text)
        #expect(hosts.addresses(for: "localhost") == ["127.0.0.1", "::1"])
        #expect(hosts.addresses(for: "ip6-loopback") == ["::1"])
        #expect(hosts.addresses(for: "Api.Example.Test") == ["10.0.0.5", "10.0.0.6"])
        #expect(hosts.addresses(for: "api") == ["10.0.0.5"])
        #expect(hosts.addresses(for: "api.example.test.") == ["10.0.0.5", "10.0.0.6"])
        #expect(hosts.addresses(for: "linklocal.test") == ["fe80::1%eth0"])
    }

    @Test func commentsAndGarbageIgnored() {
        let hosts = HostsFile(text: Self.text)
        #expect(hosts.addresses(for: "garbage").isEmpty)
        #expect(hosts.addresses(for: "comment").isEmpty)
        #expect(hosts.addresses(for: "#").isEmpty)
        #expect(HostsFile(text: "").addresses(for: "localhost").isEmpty)
        #expect(HostsFile(text: "\r\n127.0.0.2 crlf.test\r\n").addresses(for: "crlf.test") == ["127.0.0.2"])
    }

    @Test func loadsTheRealFile() {
        #expect(HostsFile.load(path: "/nonexistent/hosts") == nil)
        if let hosts = HostsFile.load() { _ = hosts.addresses(for: "localhost") }
    }
}

@Suite struct ResolverTests {
    @Test func localhostResolves() async throws {
        let addresses = try await Resolver.resolve(host: "localhost").get()
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0 == "127.0.0.1" || $0 == "::1" || $0.hasPrefix("127.") })
        #expect(Set(addresses).count == addresses.count)
    }

    @Test func literalsAndFailures() async throws {
        #expect(try await Resolver.resolve(host: "127.0.0.1").get() == ["127.0.0.1"])
        #expect(Resolver.isIPLiteral("::1") && Resolver.isIPLiteral("10.1.2.3") && !Resolver.isIPLiteral("example.com"))
        let bad = await Resolver.resolve(host: "no-such-host.invalid", timeout: 3)
        guard case .failure(.dnsFailed(let host, _)) = bad else {
            Issue.record("expected dnsFailed, got \(bad)")
            return
        }
        #expect(host == "no-such-host.invalid")
    }

    @Test func failureDescriptionsAreOneLine() {
        let all: [ProbeFailure] = [
            .invalidURL("x"), .unsupportedScheme("ftp"), .dnsFailed(host: "h", reason: "r\nInjected: yes"),
            .connectionRefused(address: "1.2.3.4:80"), .connectTimeout(address: "[::1]:443"), .tlsFailed(reason: "r"),
            .readTimeout, .deadlineExceeded, .headersTooLarge, .protocolError("p"), .other("o"),
        ]
        for f in all { #expect(!f.description.contains("\n") && !f.description.isEmpty) }
    }
}
