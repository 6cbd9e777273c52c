/// What `why401 wordpress DIR` learned from a WordPress install: version, plugins from their file
/// headers (and which of them are known to affect authentication), whether `.htaccess` passes the
/// `Authorization` header on to PHP, where application passwords are switched off, and — after
/// `--bisect` — which plugin's deactivation ended the 401. Produced by `WordPressReader` and
/// `WordPressBisect` in the `WordPressAudit` module, judged by `WordPressRules` in `Diagnosis`.
public struct WordPressFacts: Sendable, Equatable {
    /// The WordPress directory as given (the one holding `wp-config.php`).
    public var directory: String
    /// `$wp_version` from `wp-includes/version.php`, nil when it could not be read.
    public var version: String?
    /// Every installed plugin under `wp-content/plugins`, active or not.
    public var plugins: [WordPressPlugin]
    /// Must-use plugins (`wp-content/mu-plugins/*.php`): always active, never toggled by bisect.
    public var muPlugins: [String]
    /// Where the list of active plugins came from.
    public var activeSource: ActiveSource
    /// Whether the site's `.htaccess` exists and hands `Authorization` to PHP; without that, application passwords and
    /// REST authentication get 401 on many hosts.
    public var htaccess: HtaccessState
    /// Places that switch application passwords off (filter, constant, plugin).
    public var applicationPasswordsDisabled: [CodeLocation]
    /// Filled in by `--bisect`.
    public var bisect: BisectOutcome?

    /// The suffix a bisect gives a deactivated plugin folder (`FOLDER.why401-off`, WordPress's
    /// documented manual deactivation); named here because the reader, the bisect and the report
    /// of leftovers must agree on it.
    public static let disabledSuffix = ".why401-off"

    /// How the active plugins were learned, which says how far "active" can be trusted.
    public enum ActiveSource: Sendable, Equatable {
        /// `wp plugin list --status=active` answered.
        case wpCLI
        /// WP-CLI is missing or failed (reason): every installed plugin is assumed active.
        case assumedAll(String)
    }

    /// What the site's `.htaccess` is, as far as passing `Authorization` to PHP goes.
    public enum HtaccessState: Sendable, Equatable {
        /// No `.htaccess` in the WordPress directory.
        case missing
        /// The file exists but could not be read (the reason).
        case unreadable(String)
        /// `passThrough` lines: the RewriteRule/SetEnvIf/CGIPassAuth lines that hand `Authorization` to PHP.
        case present(passThrough: [String])
    }

    /// Records what was read; `WordPressReader` builds it, tests build it by hand.
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
    /// `Plugin Name:` from the header.
    public var name: String
    /// `Version:` from the header, when present.
    public var version: String?
    /// False only when WP-CLI said it is inactive; nil = assumed active.
    public var active: Bool?
    /// Set when the plugin is in the list of plugins known to affect authentication.
    public var known: KnownAuthPlugin?

    /// Records one plugin.
    public init(
        folder: String, mainFile: String, name: String, version: String? = nil, active: Bool? = nil,
        known: KnownAuthPlugin? = nil
    ) {
        self.folder = folder
        self.mainFile = mainFile
        self.name = name
        self.version = version
        self.active = active
        self.known = known
    }

    /// Active unless WP-CLI said otherwise: without WP-CLI every plugin counts as a suspect.
    public var isActive: Bool { active ?? true }
}

/// An entry of the known-plugin list: why this plugin can turn a good request into a 401.
public struct KnownAuthPlugin: Sendable, Equatable {
    /// What kind of plugin it is, which says how it can cause a 401.
    public enum Category: String, Sendable, CaseIterable {
        /// Security and firewall plugins that block or rate-limit logins and REST calls.
        case security = "security/firewall"
        /// Two-factor plugins that refuse password-only logins, application passwords included.
        case twoFactor = "2FA"
        /// JWT and OAuth plugins that take over the `Authorization` header.
        case jwt = "JWT/OAuth"
        /// Plugins that add HTTP Basic authentication of their own.
        case basicAuth = "basic-auth"
        /// Plugins that close the REST API to unauthenticated or some authenticated callers.
        case restRestriction = "REST-API restriction"
        /// Maintenance-mode plugins that turn requests away.
        case maintenance
        /// Membership plugins that restrict content to logged-in members.
        case membership
        /// Plugins that switch application passwords off or replace them.
        case applicationPasswords = "application passwords"
    }

    /// The plugin's folder name in the WordPress directory of plugins.
    public var slug: String
    /// What kind of plugin it is.
    public var category: Category
    /// One sentence: how it can turn a good request into a 401.
    public var reason: String

    /// Records a known plugin.
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
    /// The 1-based line number.
    public var line: Int
    /// The line, trimmed and cut to 200 characters.
    public var text: String
    /// Points at one line of the install.
    public init(file: String, line: Int, text: String) {
        self.file = file
        self.line = line
        self.text = text
    }
}

/// The result of bisecting plugin folders against a probe URL.
public struct BisectOutcome: Sendable, Equatable {
    /// What the bisect concluded.
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

    /// One probe of the bisect: which folders were off and what the URL answered.
    public struct Step: Sendable, Equatable {
        /// Folders deactivated (renamed) during this probe.
        public var deactivated: [String]
        /// The status the probe URL answered with.
        public var status: Int
        /// Records one probe.
        public init(deactivated: [String], status: Int) {
            self.deactivated = deactivated
            self.status = status
        }
    }

    /// The probe URL that answered 401.
    public var url: String
    /// The plugin folders bisected (active, not must-use), in order.
    public var candidates: [String]
    /// Every probe made, in order.
    public var steps: [Step]
    /// What the bisect concluded.
    public var verdict: Verdict
    /// True when every folder was verified back under its original name.
    public var restored: Bool

    /// Records a bisect.
    public init(url: String, candidates: [String], steps: [Step], verdict: Verdict, restored: Bool) {
        self.url = url
        self.candidates = candidates
        self.steps = steps
        self.verdict = verdict
        self.restored = restored
    }
}
