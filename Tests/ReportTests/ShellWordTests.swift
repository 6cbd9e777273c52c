import Testing
import TextEscaping

/// Every fix command why401 prints quotes its values through `ShellWord`; these pin what stays bare.
@Suite struct ShellWordTests {
    @Test(arguments: [
        ("/etc/apache2/.htpasswd", "/etc/apache2/.htpasswd"),
        ("alice", "alice"),
        ("user@example.com", "user@example.com"),
        ("a=b,c:d%e+f", "a=b,c:d%e+f"),
        ("", "''"),
        ("two words", "'two words'"),
        ("$(rm -rf ~)", "'$(rm -rf ~)'"),
        ("it's", #"'it'\''s'"#),
        ("/srv/wörk", "'/srv/wörk'"),
        ("a\nb", "'a\nb'"),
        ("*", "'*'"),
        ("~alice", "'~alice'"),
    ])
    func quoting(_ input: String, _ expected: String) {
        #expect(ShellWord.quoted(input) == expected)
    }

    @Test func figures() {
        #expect(Figures.octalMode(0o640) == "0640")
        #expect(Figures.octalMode(0o4755) == "4755")
        #expect(Figures.octalMode(0o100644) == "0644")
        #expect(Figures.span(seconds: Int64(45)) == "45 s")
        #expect(Figures.span(seconds: Int64(-45)) == "45 s")
        #expect(Figures.span(seconds: Int64(12 * 60)) == "12 min")
        #expect(Figures.span(seconds: Int64(3 * 3600 + 5 * 60)) == "3 h 5 min")
        #expect(Figures.span(seconds: Int64(2 * 86_400 + 4 * 3600)) == "2 d 4 h")
        #expect(Figures.span(seconds: 119.6) == "2 min")
        #expect(Figures.span(seconds: Double.infinity) == "more than 30 million years")
    }
}
