#if DEBUG
    import HTTPAuth

    @testable import Imports

    /// `cookie-jar`, `har`, `curl`: the offline inputs a user hands over.
    enum ImportTargets {
        // MARK: cookie-jar

        static func cookieJar(_ data: [UInt8]) {
            let text = data.lossyText
            let jar = CookieJar(text: text)
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            FuzzCheck.require(jar.cookies.count + jar.malformedLines.count <= lineCount, "more cookies than lines")
            FuzzCheck.require(
                zip(jar.malformedLines, jar.malformedLines.dropFirst()).allSatisfy { $0 < $1 }
                    && jar.malformedLines.allSatisfy { $0 >= 1 && $0 <= lineCount },
                "malformed line numbers out of order or range")
            var hosts = ["example.com", "www.example.com"]
            if let first = jar.cookies.first {
                hosts.append(first.domain)
                hosts.append("a." + first.domain.drop { $0 == "." })
            }
            for host in hosts {
                for scheme in ["http", "https"] {
                    let (send, excluded) = jar.select(scheme: scheme, host: host, path: "/a/b?c", now: 1_800_000_000)
                    FuzzCheck.require(send.count + excluded.count <= jar.cookies.count, "select invents cookies")
                }
            }
            for cookie in jar.cookies {
                _ = CookieJar.pathMatches(requestPath: cookie.path, cookiePath: cookie.path)
                _ = HARCookieJar.parseSetCookie(
                    "\(cookie.name)=\(cookie.value); Path=\(cookie.path); Domain=\(cookie.domain)", host: "example.com",
                    requestPath: "/", now: 0)
            }
        }

        // MARK: har

        /// A HAR file: parsed and analysed as `why401 har` does (no request is sent), and redacted.
        /// Redaction keeps a valid HAR with the same entries, and redacting twice changes nothing.
        static func har(_ data: [UInt8]) {
            let parsed = try? HARFile.parse(data)
            let redacted = try? HARSecrets.redact(data)
            FuzzCheck.require((parsed == nil) == (redacted == nil), "parse and redact disagree on whether it is a HAR")
            guard let file = parsed, let redacted else { return }
            let cases = HARAnalysis.cases(file, now: 1_800_000_000)
            _ = HARSecrets.locations(file)
            guard let again = try? HARFile.parse(redacted) else {
                FuzzCheck.require(false, "the redacted copy is not a HAR file")
                return
            }
            FuzzCheck.require(again.entries.count == file.entries.count, "redaction changed the number of entries")
            FuzzCheck.require(
                again.entries.map(\.status) == file.entries.map(\.status), "redaction changed a response status")
            FuzzCheck.require(
                HARAnalysis.cases(again, now: 1_800_000_000).map(\.index) == cases.map(\.index),
                "redaction changed which entries are diagnosed")
            FuzzCheck.require((try? HARSecrets.redact(redacted)) == redacted, "redacting twice changes the copy")
        }

        // MARK: curl

        /// A pasted command line: the producer-detecting entry point, then each tokenizer and reader on
        /// the same text whatever it starts with, and the request it would send (files never read).
        static func curl(_ data: [UInt8]) {
            let text = data.lossyText
            if let command = try? CurlCommandLine.parse(text) {
                let request = command.request(readFile: { _ in [] })
                _ = request.headers.map { SecretMasking.maskHeaderValue(name: $0.name, value: $0.value) }
                _ = SecretMasking.maskURL(request.url)
            }
            if let (words, _) = try? CurlTokenizer.posix(text) {
                _ = try? CurlCommandLine.parseWords(words, flavour: .posix)
            }
            if let words = try? CurlTokenizer.cmd(text) { _ = try? CurlCommandLine.parseWords(words, flavour: .cmd) }
            _ = try? CurlCommandLine.parsePowerShell(text)
            _ = try? CurlCommandLine.parseFetch(text)
            _ = CurlCommandLine.formEncode(text)
        }
    }
#endif
