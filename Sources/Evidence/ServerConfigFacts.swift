import CredentialModel

// What `why401 server` learned from one web server's configuration: protected areas, document roots,
// the worker account, the user files with the worker's access to them, `.htaccess` files with the
// AllowOverride that governs them, and where Authorization is (not) handed to an application.
// Value types only: the readers (ServerConfig, WebRootWalk, WordPressAudit) fill them in, the rules (Diagnosis) judge
// them.

/// A place in a configuration file, so every finding can say where to look.
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    /// The configuration file, as the server names it (absolute path or `.htaccess` path).
    public var file: String
    /// The 1-based line in that file.
    public var line: Int
    /// Points at one line of a configuration file.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
    /// `file:line`, the form editors and `grep -n` understand.
    public var description: String { "\(file):\(line)" }
}

/// Which web server a configuration belongs to; it decides directive names, defaults and which password-file hash
/// formats the server can check.
public enum WebServerKind: String, Sendable, Hashable, CaseIterable {
    /// Apache httpd (mod_auth_basic, mod_auth_digest, `.htaccess`).
    case apache
    /// nginx (`auth_basic`, `auth_request`; no `.htaccess`).
    case nginx
    /// The server's name as shown to people (`Apache httpd`, `nginx`).
    public var displayName: String { self == .apache ? "Apache httpd" : "nginx" }
    /// The same server as `CredentialModel` names it, to judge the hash formats of its user files.
    public var passwordServer: PasswordServer { self == .apache ? .apache : .nginx }
}

/// Whether the worker can reach a path (the result of a permission check made by the reader).
public enum PathAccess: Sendable, Hashable {
    /// The worker can reach and read the path.
    case ok
    /// `path` (the target or a parent) does not exist.
    case missing(path: String)
    /// `path` blocks the worker; `mode` is its octal permission bits.
    case denied(path: String, mode: UInt32, owner: String, group: String, reason: String)
    /// Not checked (e.g. the path contains an unresolved variable).
    case unknown(reason: String)
}

/// A user (password) file named by `AuthUserFile` or `auth_basic_user_file`.
public struct UserFileFact: Sendable, Hashable {
    /// The path as the server resolves it (absolute).
    public var path: String
    /// The directive that names it (`AuthUserFile`, `auth_basic_user_file`).
    public var directive: String
    /// Where the directive naming the file is.
    public var at: ConfigLocation
    /// Whether the worker can read the file: the usual reason a correct password still gets 401 (or 500).
    public var access: PathAccess
    /// The document root it lies in, if any.
    public var insideDocroot: String?
    /// The parsed file when it could be read (by why401, not necessarily by the worker).
    public var parsed: PasswordFile?

    /// Records a user file named by the configuration.
    public init(
        path: String, directive: String, at: ConfigLocation, access: PathAccess, insideDocroot: String? = nil,
        parsed: PasswordFile? = nil
    ) {
        self.path = path
        self.directive = directive
        self.at = at
        self.access = access
        self.insideDocroot = insideDocroot
        self.parsed = parsed
    }
}

/// One `Require` line (Apache) in effect for an area.
public struct RequireFact: Sendable, Hashable {
    /// `Require valid-user`, `Require user alice`.
    public var text: String
    /// Where the line is.
    public var at: ConfigLocation
    /// False for `Require all granted`, `ip`, `host`, `local`, `env`, `method`, `expr`, `all denied`.
    public var needsAuthentication: Bool
    /// Records one `Require` line.
    public init(text: String, at: ConfigLocation, needsAuthentication: Bool) {
        self.text = text
        self.at = at
        self.needsAuthentication = needsAuthentication
    }
}

/// A directive as it appears in the configuration, with where it is.
public struct ConfigSetting: Sendable, Hashable {
    /// The directive's value as written (or the whole directive line, where that is what matters).
    public var value: String
    /// Where the directive is.
    public var at: ConfigLocation
    /// Records a directive and its place.
    public init(_ value: String, at: ConfigLocation) {
        self.value = value
        self.at = at
    }
}

/// The AllowOverride in effect for a directory.
public struct OverrideFact: Sendable, Hashable {
    /// `None`, `All`, `Indexes FileInfo`… as written (or the default).
    public var text: String
    /// Where it is set; nil when it is Apache's default (None since 2.3.9) or assumed.
    public var at: ConfigLocation?
    /// True when no configuration was available and Debian's default (None) was assumed.
    public var assumed: Bool
    /// Whether `AuthConfig` is allowed, without which an `.htaccess` with `AuthType` is ignored or fails with 500.
    public var allowsAuthConfig: Bool
    /// `None`: `.htaccess` is not even read.
    public var isNone: Bool
    /// `Nonfatal=Override|All`: forbidden directives are skipped with a warning instead of a 500.
    public var nonfatal: Bool

    /// Records the AllowOverride in effect.
    public init(
        text: String, at: ConfigLocation?, assumed: Bool = false, allowsAuthConfig: Bool, isNone: Bool,
        nonfatal: Bool = false
    ) {
        self.text = text
        self.at = at
        self.assumed = assumed
        self.allowsAuthConfig = allowsAuthConfig
        self.isNone = isNone
        self.nonfatal = nonfatal
    }
}

/// An area the configuration means to protect (or half-protects).
public struct ProtectedArea: Sendable, Hashable {
    /// Which server's configuration the area is in.
    public var server: WebServerKind
    /// `<Directory "/var/www/html/private">`, `location /basic/`, `.htaccess in /var/www/html/private`.
    public var context: String
    /// Where the section opens (line 1 of a `.htaccess`).
    public var at: ConfigLocation
    /// `Basic`, `Digest` (AuthType / auth_basic), nil when none is in effect.
    public var scheme: ConfigSetting?
    /// `AuthName` / `auth_basic "…"`: the realm the browser shows and Digest hashes.
    public var realm: ConfigSetting?
    /// Apache `AuthBasicProvider`/`AuthDigestProvider` (default `file`); only `file` needs a user file.
    public var provider: String
    /// The password file the area checks against, with the worker's access to it.
    public var userFile: UserFileFact?
    /// The `Require` lines in effect (Apache); empty for nginx.
    public var requires: [RequireFact]
    /// The `.htaccess` the directives come from, with the AllowOverride in effect there.
    public var htaccess: String?
    /// The AllowOverride governing `htaccess`, when the directives come from one.
    public var override: OverrideFact?
    /// Requests with OPTIONS are exempt (`<LimitExcept OPTIONS>`, nginx `limit_except OPTIONS`, an OPTIONS `return`).
    public var optionsExempt: Bool
    /// A CORS header set in scope (`Header set Access-Control-Allow-Origin`, `add_header Access-Control-…`).
    public var corsHeader: ConfigLocation?
    /// The area hands requests to an application (CGI, FastCGI, proxy): its API may be called cross-origin.
    public var application: ConfigLocation?
    /// Another area completes this one (a section with only `AuthType` whose sub-sections add `Require`).
    public var completedElsewhere: Bool
    /// Apache 2.2 access control (`Satisfy Any` with `Order`/`Allow`) that lets clients in without a password.
    public var bypass: AccessBypass?
    /// nginx `auth_request URI`: the subrequest that decides, and where it goes.
    public var authRequest: AuthRequestFact?

    /// Records one area; the configuration readers build these, tests build them by hand.
    public init(
        server: WebServerKind, context: String, at: ConfigLocation, scheme: ConfigSetting? = nil,
        realm: ConfigSetting? = nil,
        provider: String = "file", userFile: UserFileFact? = nil, requires: [RequireFact] = [], htaccess: String? = nil,
        override: OverrideFact? = nil, optionsExempt: Bool = false, corsHeader: ConfigLocation? = nil,
        application: ConfigLocation? = nil, completedElsewhere: Bool = false, bypass: AccessBypass? = nil,
        authRequest: AuthRequestFact? = nil
    ) {
        self.server = server
        self.context = context
        self.at = at
        self.scheme = scheme
        self.realm = realm
        self.provider = provider
        self.userFile = userFile
        self.requires = requires
        self.htaccess = htaccess
        self.override = override
        self.optionsExempt = optionsExempt
        self.corsHeader = corsHeader
        self.application = application
        self.completedElsewhere = completedElsewhere
        self.bypass = bypass
        self.authRequest = authRequest
    }

    /// Some `Require` in effect needs an authenticated user (nginx: `auth_basic` is on).
    public var needsAuthentication: Bool {
        server == .nginx ? scheme != nil : requires.contains { $0.needsAuthentication }
    }

    /// Requires a user and no `Satisfy Any` lets everyone past that requirement.
    public var isProtected: Bool { needsAuthentication && bypass?.everyone != true }
}

/// `Satisfy Any` (mod_access_compat) in an area that also requires a user: a client that the
/// `Order`/`Allow`/`Deny` rules admit gets in without credentials (measured on httpd 2.4.71).
public struct AccessBypass: Sendable, Hashable {
    /// The `Satisfy Any` line.
    public var satisfy: ConfigSetting
    /// `Order` in effect (nil: the default, `Deny,Allow`).
    public var order: ConfigSetting?
    /// The `Allow from` lines in effect.
    public var allows: [ConfigSetting]
    /// The `Deny from` lines in effect.
    public var denies: [ConfigSetting]
    /// True when every client is admitted; false when only the hosts of `allows` are.
    public var everyone: Bool

    /// Records an access-control bypass.
    public init(
        satisfy: ConfigSetting, order: ConfigSetting?, allows: [ConfigSetting], denies: [ConfigSetting], everyone: Bool
    ) {
        self.satisfy = satisfy
        self.order = order
        self.allows = allows
        self.denies = denies
        self.everyone = everyone
    }
}

/// nginx `auth_request URI`: every request is first sent as a subrequest to URI; 2xx lets it in.
public struct AuthRequestFact: Sendable, Hashable {
    /// The subrequest URI (`/oauth2/auth`).
    public var uri: String
    /// Where the `auth_request` line is.
    public var at: ConfigLocation
    /// The location of the same server that answers it (`location = /oauth2/auth` at file:line), if any.
    public var endpoint: ConfigSetting?
    /// Where that location sends the subrequest (`proxy_pass http://127.0.0.1:4180`), if it does.
    public var service: ConfigSetting?

    /// Records an `auth_request`.
    public init(uri: String, at: ConfigLocation, endpoint: ConfigSetting? = nil, service: ConfigSetting? = nil) {
        self.uri = uri
        self.at = at
        self.endpoint = endpoint
        self.service = service
    }
}

/// A `.htaccess` under a document root that holds auth directives.
public struct HtaccessFact: Sendable, Hashable {
    /// The `.htaccess` file.
    public var path: String
    /// The document root it lies under.
    public var docroot: String
    /// `AuthType Basic` (line 2)…, only the directives that need `AllowOverride AuthConfig`.
    public var authDirectives: [ConfigSetting]
    /// The AllowOverride in effect for its directory: whether the server reads these directives at all.
    public var override: OverrideFact

    /// Records an `.htaccess` with auth directives.
    public init(path: String, docroot: String, authDirectives: [ConfigSetting], override: OverrideFact) {
        self.path = path
        self.docroot = docroot
        self.authDirectives = authDirectives
        self.override = override
    }
}

/// A place where the server hands a request to an application and whether `Authorization` goes along.
public struct ForwardingFact: Sendable, Hashable {
    /// How the request reaches the application; each passes `Authorization` differently.
    public enum Kind: String, Sendable, Hashable {
        /// CGI (`ScriptAlias`, `SetHandler cgi-script`): Apache does not pass `Authorization` by default.
        case cgi = "CGI"
        /// FastCGI (PHP-FPM and others): the header reaches the application only if it is passed on.
        case fastcgi = "FastCGI"
        /// A reverse proxy (`proxy_pass`, `ProxyPass`): the header goes along unless removed.
        case proxy = "proxy"
    }
    /// Which server's configuration the handler is in.
    public var server: WebServerKind
    /// CGI, FastCGI or proxy.
    public var kind: Kind
    /// `ScriptAlias /cgi-bin/ …`, `location ~ \.php$`.
    public var context: String
    /// The line that sets up the handler (`ScriptAlias`, `SetHandler`, `fastcgi_pass`, `proxy_pass`).
    public var at: ConfigLocation
    /// Whether `Authorization` reaches the application: false is the classic cause of a 401 from an API that the server
    /// itself never challenged.
    public var passesAuthorization: Bool
    /// The line that removes it (`proxy_set_header Authorization "";`), when one does.
    public var blocker: ConfigSetting?
    /// Why it is (not) passed, in a sentence fragment.
    public var reason: String
    /// The server itself authenticates requests to this handler (Apache `AuthType` + `Require`):
    /// the program gets `REMOTE_USER`, not the password, and has no need for `Authorization`.
    public var authenticatedByServer: ConfigLocation?
    /// The directory of the scripts, when the handler has one (the place for a scoped fix).
    public var scriptDirectory: String?

    /// Records one hand-off to an application.
    public init(
        server: WebServerKind, kind: Kind, context: String, at: ConfigLocation, passesAuthorization: Bool,
        blocker: ConfigSetting? = nil, reason: String,
        authenticatedByServer: ConfigLocation? = nil, scriptDirectory: String? = nil
    ) {
        self.server = server
        self.kind = kind
        self.context = context
        self.at = at
        self.passesAuthorization = passesAuthorization
        self.blocker = blocker
        self.reason = reason
        self.authenticatedByServer = authenticatedByServer
        self.scriptDirectory = scriptDirectory
    }
}

/// Everything read from one server's configuration.
public struct ServerConfigFacts: Sendable, Hashable {
    /// Which server the configuration is for.
    public var server: WebServerKind
    /// The main file (`apache2.conf`, `httpd.conf`, `nginx.conf`).
    public var mainConfig: String
    /// Every file read, main configuration and includes, in order.
    public var filesRead: [String]
    /// The account checks are made as, and where it comes from (`User` line, `--as`, default).
    public var worker: String
    /// Where the worker account came from (`User www-data` line, `--as`, the default).
    public var workerSource: String
    /// The document roots (`DocumentRoot`, `root`), with where each is set.
    public var docroots: [ConfigSetting]
    /// Every area the configuration means to protect.
    public var areas: [ProtectedArea]
    /// `.htaccess` files with auth directives, under the document roots.
    public var htaccess: [HtaccessFact]
    /// Every place a request is handed to an application.
    public var forwarding: [ForwardingFact]
    /// Things the reader could not resolve (an undefined `${VAR}`, a glob with no match).
    public var notes: [String]

    /// Records what was read; the configuration readers build it, tests build it by hand.
    public init(
        server: WebServerKind, mainConfig: String, filesRead: [String] = [], worker: String, workerSource: String,
        docroots: [ConfigSetting] = [], areas: [ProtectedArea] = [], htaccess: [HtaccessFact] = [],
        forwarding: [ForwardingFact] = [], notes: [String] = []
    ) {
        self.server = server
        self.mainConfig = mainConfig
        self.filesRead = filesRead
        self.worker = worker
        self.workerSource = workerSource
        self.docroots = docroots
        self.areas = areas
        self.htaccess = htaccess
        self.forwarding = forwarding
        self.notes = notes
    }
}
