import Testing

@testable import HTTPAuth

@Suite struct HTTPDateTests {
    /// RFC 9110 §5.6.7's three forms of the same instant.
    @Test(arguments: ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"])
    func parsesEveryForm(text: String) {
        #expect(HTTPDate.parse(text) == 784_111_777)
    }

    @Test func formatsAndRoundTrips() {
        #expect(HTTPDate.imfFixdate(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.iso8601(951_782_400) == "2000-02-29T00:00:00Z")
        #expect(HTTPDate.iso8601(0) == "1970-01-01T00:00:00Z")
        for t in stride(from: -86_400.0 * 400, through: 86_400.0 * 40_000, by: 86_400 * 97 + 3_671) {
            #expect(HTTPDate.parse(HTTPDate.imfFixdate(t)) == t.rounded(.down))
        }
    }

    @Test(arguments: [
        "", "garbage", "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:00:00 GMT",
        String(repeating: "1:", count: 10_000),
    ])
    func rejectsNonDates(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }
}
