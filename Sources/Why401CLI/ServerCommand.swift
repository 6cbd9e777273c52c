import ArgumentParser
import Report
import Why401Kit

/// `why401 server`: the admin-side audit (`UseCase.auditServer`). Reads the Apache and/or nginx
/// configuration (includes, virtual hosts, sections, `.htaccess` under each DocumentRoot), checks every
/// protected area's user file as the worker account, and then walks the document roots for permission
/// problems. Nothing is changed unless `--apply` is given.
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Audit Apache/nginx auth configuration, user files and web-root permissions.",
        discussion: """
            Without --apache/--nginx, reads /etc/apache2 and /etc/nginx when present. For each protected \
            area it shows where (file:line), scheme, realm, user file, Require lines and the AllowOverride \
            in effect, and checks the user file as the worker (User/user, or --as) including every parent \
            directory's execute bit. .htaccess files under every DocumentRoot are judged with the \
            AllowOverride of their directory.

            Examples:
              why401 server
              why401 server --apache /etc/httpd/conf/httpd.conf --as apache
              why401 server --nginx /etc/nginx/nginx.conf --json
              why401 server --root /srv/site
            (--root adds a web root; with no configuration at all, its .htaccess files are judged \
            assuming Debian's default AllowOverride None.)

            Exit codes: 0 audit clean, 1 an error finding (with --fail-on warning, a warning too), 2 usage, \
            3 could not complete (no configuration readable, a syntax error or include loop — printed as \
            FILE:LINE on one line).
            """)

    @Option(
        name: .long, help: ArgumentHelp("A web root to walk (and search for .htaccess); repeatable.", valueName: "DIR"))
    var root: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Apache configuration: apache2.conf/httpd.conf or the directory holding it.", valueName: "DIR|FILE"))
    var apache: String?

    @Option(
        name: .long,
        help: ArgumentHelp("nginx configuration: nginx.conf or the directory holding it.", valueName: "DIR|FILE"))
    var nginx: String?

    @Option(
        name: .customLong("as"),
        help: ArgumentHelp("Check access as this user instead of the configured worker.", valueName: "USER"))
    var asUser: String?

    @Option(
        name: .customLong("apache-version"),
        help: ArgumentHelp(
            "The httpd version <IfVersion> is judged against (default: what apache2 -v or httpd -v says here).",
            valueName: "X.Y.Z"))
    var apacheVersion: String?

    @Flag(name: .long, help: "Only the configuration audit: skip the permissions walk of the web roots.")
    var noWalk = false

    @OptionGroup var permissions: PermissionOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        if permissions.undo { return try output.emit(permissions.undoReport(command: "server --undo")) }
        let request = ServerAuditRequest(
            roots: root, apache: apache, nginx: nginx, worker: asUser, apacheVersion: apacheVersion, walk: !noWalk,
            apply: permissions.apply, journal: permissions.journal, console: .stderr)
        let result = try UseCase.auditServer(request)
        try output.emit(ServerAuditReport.report(result))
    }
}
