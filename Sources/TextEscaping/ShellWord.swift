/// A value pasted into a POSIX shell command that why401 prints as a fix (`chmod 640 PATH`,
/// `htpasswd -v FILE USER`). Paths, user names and config values come from hostile places — a log's
/// "user name" can be `$(rm -rf ~)` — so what is "safe" is decided here once for every module.
public enum ShellWord {
    /// `text` unchanged when it is made only of ASCII letters, digits and `/ . _ - + , @ : % =`
    /// (nothing a shell expands or splits on); otherwise in single quotes, each `'` written `'\''`.
    /// The empty string is `''`, so it stays one argument.
    public static func quoted(_ text: String) -> String {
        if !text.isEmpty && text.unicodeScalars.allSatisfy(isSafe) { return text }
        var out = "'"
        for scalar in text.unicodeScalars {
            if scalar == "'" { out += #"'\''"# } else { out.unicodeScalars.append(scalar) }
        }
        return out + "'"
    }

    static func isSafe(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "a"..."z", "A"..."Z", "0"..."9", "/", ".", "_", "-", "+", ",", "@", ":", "%", "=": true
        default: false
        }
    }
}
