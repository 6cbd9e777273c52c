import Evidence
import HostAccess

/// Plugins known to affect authentication, as data: the folder slug on wordpress.org, a category
/// and the reason it can turn a valid request into a 401. Matched by folder name first, then by the
/// plugin's `Plugin Name` header (for renamed folders). Add an entry here, with its reason, when a
/// plugin is found to interfere; the rules need no change.
public enum WordPressKnownPlugins {
    public static let list: [KnownAuthPlugin] = [
        // Security suites and firewalls
        .init(
            slug: "wordfence", category: .security,
            reason:
                """
                Wordfence Login Security can disable application passwords and XML-RPC auth, enforce 2FA and block \
                logins by rate limit or country
                """
        ),
        .init(
            slug: "better-wp-security", category: .security,
            reason:
                """
                Solid Security (iThemes) can restrict the REST API to logged-in users, ban hosts and hide the \
                login page
                """
        ),
        .init(
            slug: "all-in-one-wp-security-and-firewall", category: .security,
            reason: "AIOS can disable the REST API for anonymous users, lock out logins and block application passwords"
        ),
        .init(
            slug: "sucuri-scanner", category: .security,
            reason: "Sucuri hardening options can block REST/XML-RPC access and restrict wp-admin"),
        .init(
            slug: "wp-simple-firewall", category: .security,
            reason: "Shield Security can block anonymous REST API requests and add login challenges"),
        .init(
            slug: "wp-cerber", category: .security,
            reason: "WP Cerber can block the REST API, restrict application passwords and lock out IPs"),
        .init(
            slug: "ninjafirewall", category: .security,
            reason: "NinjaFirewall can block REST API and XML-RPC requests before WordPress runs"),
        .init(
            slug: "bulletproof-security", category: .security,
            reason: "BulletProof Security writes .htaccess rules that can drop headers and deny requests"),
        .init(
            slug: "limit-login-attempts-reloaded", category: .security,
            reason: "locks out a client after failed logins, including Basic/application-password attempts"),
        .init(slug: "loginizer", category: .security, reason: "locks out IPs after failed logins and can add 2FA"),
        .init(
            slug: "wps-hide-login", category: .security,
            reason: "moves wp-login.php; clients using the old URL get redirects or 404/401"),
        .init(
            slug: "wp-hide-security-enhancer", category: .security,
            reason: "rewrites and blocks default paths including the REST API prefix"),
        .init(
            slug: "jetpack-protect", category: .security, reason: "brute-force protection can block logins from an IP"),
        // Two-factor
        .init(
            slug: "two-factor", category: .twoFactor,
            reason: "requires a second factor for interactive logins; can also refuse API logins of accounts with 2FA"),
        .init(
            slug: "wp-2fa", category: .twoFactor,
            reason: "enforces 2FA and can block application passwords for users with 2FA"),
        .init(
            slug: "two-factor-authentication", category: .twoFactor,
            reason: "requires a second factor and can refuse XML-RPC/REST password logins"),
        .init(
            slug: "google-authenticator", category: .twoFactor,
            reason: "adds a TOTP step that password-only clients cannot pass"),
        .init(
            slug: "miniorange-2-factor-authentication", category: .twoFactor,
            reason: "adds a second factor and can block REST logins"),
        // JWT / OAuth
        .init(
            slug: "jwt-authentication-for-wp-rest-api", category: .jwt,
            reason:
                """
                validates every Authorization: Bearer header and answers 401/403 (jwt_auth_*) for a bad or missing \
                token; needs HTTP_AUTHORIZATION passed through
                """
        ),
        .init(
            slug: "jwt-auth", category: .jwt,
            reason: "JWT Auth (Useful Team) rejects requests whose Bearer token is invalid, even for public routes"),
        .init(slug: "simple-jwt-login", category: .jwt, reason: "can require a JWT on REST routes and reject others"),
        .init(slug: "miniorange-oauth-20-server", category: .jwt, reason: "OAuth server that can protect REST routes"),
        .init(
            slug: "oauth2-provider", category: .jwt,
            reason: "WP OAuth Server: REST calls need its access tokens when the API is protected"),
        .init(
            slug: "wp-rest-api-authentication", category: .jwt,
            reason: "miniOrange REST API Authentication blocks every REST request without its token/key"),
        // Basic auth
        .init(
            slug: "basic-auth", category: .basicAuth,
            reason:
                "the WP-API Basic-Auth plugin handles Authorization: Basic itself; conflicts with application passwords"
        ),
        .init(
            slug: "application-passwords", category: .basicAuth,
            reason: "the old feature plugin duplicates core (5.6+) application passwords and can conflict with them"),
        .init(
            slug: "http-auth", category: .basicAuth,
            reason: "puts HTTP Basic authentication in front of the site or wp-admin"),
        // REST API restriction
        .init(
            slug: "disable-json-api", category: .restRestriction,
            reason: "Disable REST API answers 401 rest_cannot_access to every unauthenticated REST request"),
        .init(
            slug: "disable-wp-rest-api", category: .restRestriction,
            reason: "blocks the REST API for visitors who are not logged in (401)"),
        .init(
            slug: "disable-rest-api-and-require-jwt-oauth-authentication", category: .restRestriction,
            reason: "requires a JWT/OAuth token on every REST request"),
        .init(
            slug: "disable-xml-rpc-api", category: .restRestriction,
            reason: "blocks XML-RPC and can restrict the REST API"),
        // Maintenance / coming soon / forced login
        .init(
            slug: "wp-maintenance-mode", category: .maintenance,
            reason: "serves a maintenance page (503) or requires login for everything, REST included"),
        .init(slug: "maintenance", category: .maintenance, reason: "maintenance mode blocks non-logged-in requests"),
        .init(
            slug: "coming-soon", category: .maintenance,
            reason: "SeedProd coming-soon mode can block the REST API for visitors"),
        .init(
            slug: "under-construction-page", category: .maintenance,
            reason: "blocks the site (and optionally the REST API) for visitors"),
        .init(
            slug: "wp-force-login", category: .maintenance,
            reason:
                "Force Login redirects or refuses every request without a logged-in session; REST needs its whitelist"),
        // Membership
        .init(
            slug: "members", category: .membership,
            reason: "content permissions and 'restrict REST API' option can refuse anonymous REST requests"),
        .init(slug: "memberpress", category: .membership, reason: "protects content and routes by membership rules"),
        .init(
            slug: "paid-memberships-pro", category: .membership,
            reason: "restricts content by membership level, REST included"),
        .init(
            slug: "ultimate-member", category: .membership,
            reason: "restricts access to content and can block REST user endpoints"),
        .init(
            slug: "restrict-content", category: .membership,
            reason: "Restrict Content can refuse REST requests for restricted content"),
        // Application passwords switched off
        .init(
            slug: "disable-application-passwords", category: .applicationPasswords,
            reason: "switches core application passwords off: Basic auth with an application password then gets 401"),
    ]

    private static let bySlug: [String: KnownAuthPlugin] = Dictionary(
        list.map { ($0.slug, $0) }, uniquingKeysWith: { a, _ in a })

    /// Plugin names (lower-cased) that identify an entry when the folder was renamed.
    private static let byName: [String: String] = [
        "wordfence security": "wordfence", "solid security": "better-wp-security",
        "ithemes security": "better-wp-security",
        "all in one wp security": "all-in-one-wp-security-and-firewall", "disable rest api": "disable-json-api",
        "jwt authentication for wp-rest-api": "jwt-authentication-for-wp-rest-api", "two factor": "two-factor",
        "jwt auth": "jwt-auth", "basic auth": "basic-auth",
        "disable application passwords": "disable-application-passwords",
    ]

    /// The entry for a plugin folder, or for its header name.
    public static func match(folder: String, name: String) -> KnownAuthPlugin? {
        if let entry = bySlug[folder.lowercased()] { return entry }
        let lowered = name.lowercased()
        for (prefix, slug) in byName where lowered.hasPrefix(prefix) { return bySlug[slug] }
        return nil
    }
}
