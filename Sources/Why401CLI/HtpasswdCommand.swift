import ArgumentParser
import CredentialModel
import Report
import Why401Kit

/// `why401 htpasswd verify FILE USER` and `why401 htpasswd lint FILE`: offline checks of an htpasswd
/// or htdigest file, judged for Apache httpd and/or nginx. The password is read only from a no-echo
/// prompt or from stdin (`--password-stdin`), never from argv or the environment, and never printed.
struct HtpasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "htpasswd",
        abstract: "Verify a password against an htpasswd/htdigest file, or lint the file.",
        discussion: """
            Formats: $apr1$ (htpasswd -m), bcrypt $2y$ $2b$ $2a$ (-B), {SHA} (-s), DES crypt (-d), $5$ (-2), \
            $6$ (-5), $1$, $y$, {SSHA}, {PLAIN}, plain text (-p); htdigest files (user:realm:md5hex) are \
            recognised by their shape or by --realm.

            Each format is judged for the target servers (--server, default both), as measured on Apache \
            2.4 and nginx 1.22: plain text never matches on either; {PLAIN} and {SSHA} match on nginx only; \
            DES crypt checks only the first 8 characters.

            Examples:
              why401 htpasswd verify /etc/apache2/.htpasswd alice          (prompts without echo)
              printf '%s\\n' "$PASS" | why401 htpasswd verify --password-stdin FILE alice --json
              why401 htpasswd lint /etc/nginx/.htpasswd --server nginx
              why401 htpasswd verify --realm "Private Area" /etc/apache2/.htdigest alice

            Exit codes (like htpasswd -v): verify exits 0 when USER's password verifies with a hash every \
            target server can read, whatever other lines hold (their problems are listed as warnings), and \
            1 on a mismatch, an unknown user or a hash the server cannot use; lint exits 0 with no error \
            finding (weak hashes are warnings) and 1 with malformed lines or unusable hashes; 2 usage \
            error, 3 the file could not be read.
            """,
        subcommands: [Verify.self, Lint.self]
    )

    struct Targets: ParsableArguments {
        enum ServerChoice: String, ExpressibleByArgument, CaseIterable {
            case apache, nginx, both
        }

        @Option(name: .long, help: "Judge the file for apache, nginx or both.")
        var server: ServerChoice = .both

        @Option(
            name: .long,
            help: ArgumentHelp("Treat the file as htdigest (user:realm:md5) and use this realm.", valueName: "REALM"))
        var realm: String?

        var servers: [PasswordServer] {
            switch server {
            case .apache: [.apache]
            case .nginx: [.nginx]
            case .both: [.apache, .nginx]
            }
        }
    }

    // MARK: - verify

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check USER's password against FILE (the password from a no-echo prompt or stdin).",
            discussion: """
                The password is never taken from the command line. Without --password-stdin why401 asks for \
                it on the terminal without echo; with --password-stdin it reads one line from stdin (a \
                trailing CR/LF is removed). Exit codes: 0 USER's password verifies with a hash the --server \
                can read (problems on other lines are warnings and do not change it: use lint for the whole \
                file), 1 it does not, 2 usage, 3 unreadable file.
                """)

        @Argument(help: "The htpasswd or htdigest file.")
        var file: String

        @Argument(help: "The user name, exactly as the client sends it.")
        var user: String

        @Flag(name: .long, help: "Read the password from the first line of stdin instead of prompting.")
        var passwordStdin = false

        @OptionGroup var targets: Targets
        @OptionGroup var output: OutputOptions

        func run() throws {
            let request = PasswordVerifyRequest(
                path: file, user: user, servers: targets.servers, realm: targets.realm, password: readPassword)
            try output.emit(PasswordFileReport.report(try UseCase.verifyPasswordFile(request)))
        }

        func readPassword() throws -> String {
            if passwordStdin {
                guard let line = try SecretInput.boundedLine() else {
                    throw CLIFailure.usage("--password-stdin: stdin is empty")
                }
                return line
            }
            guard let password = SecretInput.promptWithoutEcho("Password for \(PasswordFile.display(user)): ") else {
                throw CLIFailure.usage("no terminal to ask for the password: pipe it in with --password-stdin")
            }
            return password
        }
    }

    // MARK: - lint

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "List malformed lines, weak hashes and hashes the target servers cannot use.",
            discussion:
                """
                Exit codes: 0 no error finding (weak hashes are warnings), 1 malformed lines or unusable hashes, 3 \
                unreadable file.
                """
        )

        @Argument(help: "The htpasswd or htdigest file.")
        var file: String

        @OptionGroup var targets: Targets
        @OptionGroup var output: OutputOptions

        func run() throws {
            let request = PasswordLintRequest(path: file, servers: targets.servers, realm: targets.realm)
            try output.emit(PasswordFileReport.report(try UseCase.lintPasswordFile(request)))
        }
    }
}
