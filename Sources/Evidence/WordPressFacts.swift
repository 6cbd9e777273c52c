/// What `why401 wordpress DIR` learned from a WordPress install: version, plugins from their file
/// headers (and which of them are known to affect authentication), whether `.htaccess` passes the
/// `Authorization` header on to PHP, where application passwords are switched off, and — after
/// `--bisect` — which plugin's deactivation ended the 401. Produced by `ServerAudit.WordPressReader`
/// and `WordPressBisect`, judged by `Diagnosis/Rules/Server/WordPressRules.swift`.
public struct WordPressFacts: Sendable, Equatable {
    public var directory: String
    /// `$wp_version` from `wp-includes/version.php`, nil when it could not be read.
    public var version: String?
    public var plugins: [WordPressPlugin]
    /// Must-use plugins (`wp-content/mu-plugins/*.php`): always active, never toggled by bisect.
    public var muPlugins: [String]
    /// Where the list of active plugins came from.
    public var activeSource: ActiveSource
    public var htaccess: HtaccessState
    /// Places that switch application passwords off (filter, constant, plugin).
    public var applicationPasswordsDisabled: [CodeLocation]
    /// Filled in by `--bisect`.
    public var bisect: BisectOutcome?

    /// The suffix a bisect gives a deactivated plugin folder (`FOLDER.why401-off`, WordPress's
    /// documented manual deactivation); named here because the reader, the bisect and the report
    /// of leftovers must agree on it.
    public static let disabledSuffix = ".why401-off"

    public enum ActiveSource: Sendable, Equatable {
        /// `wp plugin list --status=active` answered.
        case wpCLI
        /// WP-CLI is missing or failed (reason): every installed plugin is assumed active.
        case assumedAll(String)
    }

    public enum HtaccessState: Sendable, Equatable {
        case missing
        case unreadable(String)
        /// `passThrough` lines: the RewriteRule/SetEnvIf/CGIPassAuth lines that hand `Authorization` to PHP.
        case present(passThrough: [String])
    }

    public init(
        directory: String, version: String? = nil, plugins: [WordPressPlugin] = [], muPlugins: [String] = [],
        activeSource: ActiveSource = .assumedAll("not checked"), htaccess: HtaccessState = .missing,
        applicationPasswordsDisabled: [CodeLocation] = [], bisect: BisectOutcome? = nil
    ) {
        self.directory = directory
        self.version = version
        self.plugins = plugins
        self.muPlugins = muPlugins
        self.activeSource = activeSource
        self.htaccess = htaccess
        self.applicationPasswordsDisabled = applicationPasswordsDisabled
        self.bisect = bisect
    }
}

/// One installed plugin, from the header comment of its main file.
public struct WordPressPlugin: Sendable, Equatable {
    /// Folder under `wp-content/plugins` (or the file name of a single-file plugin).
    public var folder: String
    /// Main file relative to the plugins directory (`wordfence/wordfence.php`).
    public var mainFile: String
    public var name: String
    public var version: String?
    /// False only when WP-CLI said it is inactive; nil = assumed active.
    public var active: Bool?
    /// Set when the plugin is in the list of plugins known to affect authentication.
    public var known: KnownAuthPlugin?

    public init(folder: String, mainFile: String, name: String, version: String? = nil, active: Bool? = nil, known: KnownAuthPlugin? = nil) {
        self.folder = folder
        self.mainFile = mainFile
        self.name = name
        self.version = version
        self.active = active
        self.known = known
    }

    public var isActive: Bool { active ?? true }
}

/// An entry of the known-plugin list: why this plugin can turn a good request into a 401.
public struct KnownAuthPlugin: Sendable, Equatable {
    public enum Category: String, Sendable, CaseIterable {
        case security = "security/firewall"
        case twoFactor = "2FA"
        case jwt = "JWT/OAuth"
        case basicAuth = "basic-auth"
        case restRestriction = "REST-API restriction"
        case maintenance
        case membership
        case applicationPasswords = "application passwords"
    }

    public var slug: String
    public var category: Category
    public var reason: String

    public init(slug: String, category: Category, reason: String) {
        self.slug = slug
        self.category = category
        self.reason = reason
    }
}

/// A line of PHP (or configuration) that matters, with where it is.
public struct CodeLocation: Sendable, Equatable {
    /// Relative to the WordPress directory.
    public var file: String
    public var line: Int
    /// The line, trimmed and cut to 200 characters.
    public var text: String
    public init(file: String, line: Int, text: String) {
        self.file = file
        self.line = line
        self.text = text
    }
}

/// The result of bisecting plugin folders against a probe URL.
public struct BisectOutcome: Sendable, Equatable {
    public enum Verdict: Sendable, Equatable {
        /// The URL did not answer 401 with every plugin in place: nothing to bisect.
        case notFailing(status: Int)
        /// Still 401 with every candidate deactivated: not caused by a (toggleable) plugin.
        case notAPlugin
        /// Deactivating this plugin alone ends the 401 (confirmed by a final probe).
        case culprit(String)
        /// No single plugin: the 401 ends only with all of these off.
        case combination([String])
    }

    public struct Step: Sendable, Equatable {
        /// Folders deactivated (renamed) during this probe.
        public var deactivated: [String]
        public var status: Int
        public init(deactivated: [String], status: Int) {
            self.deactivated = deactivated
            self.status = status
        }
    }

    public var url: String
    public var candidates: [String]
    public var steps: [Step]
    public var verdict: Verdict
    /// True when every folder was verified back under its original name.
    public var restored: Bool

    public init(url: String, candidates: [String], steps: [Step], verdict: Verdict, restored: Bool) {
        self.url = url
        self.candidates = candidates
        self.steps = steps
        self.verdict = verdict
        self.restored = restored
    }
}
