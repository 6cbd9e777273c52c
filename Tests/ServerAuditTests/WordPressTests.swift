import Diagnosis
import Evidence
import Foundation
import HostAccess
import TestSupport
import Testing
import WordPressAudit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A WordPress-shaped tree, as the tests (and the CLI tests) build it.
enum WordPressTree {
    /// Plugin folder → (main file, header text). `bad-plugin` is the one the bisect CGI refuses.
    static let plugins: [(folder: String, file: String, header: String)] = [
        (
            "akismet", "akismet.php",
            """
            <?php\n/**\n * @package Akismet\n */\n/*\nPlugin Name: Akismet Anti-spam: Spam Protection\nVersion: \
            5.3.3\nAuthor: Automattic\n*/\n
            """
        ),
        ("bad-plugin", "bad-plugin.php", "<?php\n/**\n * Plugin Name: Bad Plugin\n * Version: 0.9\n */\n"),
        (
            "classic-editor", "classic-editor.php",
            "<?php\n/**\n * Plugin Name:  Classic Editor\n * Version:      1.6.5\n */\n"
        ),
        (
            "disable-json-api", "disable-json-api.php",
            "<?php\n/**\n * Plugin Name: Disable REST API\n * Version: 1.8\n */\n"
        ),
        (
            "jwt-authentication-for-wp-rest-api", "jwt-auth.php",
            "<?php\n/**\n * Plugin Name: JWT Authentication for WP-API\n * Version: 1.3.4\n */\n"
        ),
        ("two-factor", "two-factor.php", "<?php\n/**\n * Plugin Name: Two Factor\n * Version: 0.9.1\n */\n"),
        ("wordfence", "wordfence.php", "<?php\n/*\nPlugin Name: Wordfence Security\nVersion: 7.11.7\n*/\n"),
    ]

    /// Builds the tree under `dir/relative`; returns its path.
    @discardableResult
    static func make(
        in dir: TempDirectory, _ relative: String = "wp", htaccess: String? = WordPressTree.htaccessWithPassThrough,
        appPasswordsOff: Bool = false
    ) throws -> String {
        let root = try dir.makeDirectory(relative)
        try dir.write(
            "\(relative)/wp-config.php",
            "<?php\ndefine( 'DB_NAME', 'wp' );\nrequire_once ABSPATH . 'wp-settings.php';\n")
        try dir.write(
            "\(relative)/wp-includes/version.php",
            "<?php\n/**\n * WordPress Version\n */\n$wp_version = '6.6.2';\n$wp_db_version = 57155;\n")
        try dir.write("\(relative)/wp-content/plugins/index.php", "<?php\n// Silence is golden.\n")
        try dir.write(
            "\(relative)/wp-content/plugins/hello.php", "<?php\n/*\nPlugin Name: Hello Dolly\nVersion: 1.7.2\n*/\n")
        for plugin in plugins {
            try dir.write(
                "\(relative)/wp-content/plugins/\(plugin.folder)/\(plugin.file)",
                plugin.header + "defined( 'ABSPATH' ) || exit;\n")
            try dir.write("\(relative)/wp-content/plugins/\(plugin.folder)/readme.txt", "=== \(plugin.folder) ===\n")
        }
        try dir.write(
            "\(relative)/wp-content/themes/twentytwentyfour/functions.php",
            "<?php\n// add_filter( 'wp_is_application_passwords_available', '__return_false' ); (commented out)\n")
        if appPasswordsOff {
            try dir.write(
                "\(relative)/wp-content/mu-plugins/no-app-passwords.php",
                "<?php\nadd_filter( 'wp_is_application_passwords_available', '__return_false' );\n")
        }
        if let htaccess { try dir.write("\(relative)/.htaccess", htaccess) }
        return root
    }

    static let htaccessWithPassThrough = """
        # BEGIN WordPress
        <IfModule mod_rewrite.c>
        RewriteEngine On
        RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
        RewriteBase /
        RewriteRule ^index\\.php$ - [L]
        RewriteCond %{REQUEST_FILENAME} !-f
        RewriteCond %{REQUEST_FILENAME} !-d
        RewriteRule . /index.php [L]
        </IfModule>
        # END WordPress

        """
    static let htaccessSetEnvIf = "SetEnvIf Authorization \"(.*)\" HTTP_AUTHORIZATION=$1\n"
    static let htaccessWithout =
        "# BEGIN WordPress\nRewriteEngine On\nRewriteRule ^index\\.php$ - [L]\n# END WordPress\n"

    /// Sorted entry names of the plugins directory: the state a bisect must leave unchanged.
    static func pluginNames(_ root: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/wp-content/plugins")) ?? []).sorted()
    }
}

@Suite struct WordPressReaderTests {
    @Test func detectsVersionPluginsAndKnownAuthPlugins() throws {
        let dir = try TempDirectory(prefix: "why401-wp")
        defer { dir.remove() }
        let root = try WordPressTree.make(in: dir)
        let facts = try WordPressReader.inspect(root, wpCLI: nil)
        #expect(facts.version == "6.6.2")
        #expect(
            facts.plugins.map(\.folder) == [
                "akismet", "bad-plugin", "classic-editor", "disable-json-api", "hello.php",
                "jwt-authentication-for-wp-rest-api", "two-factor", "wordfence",
            ])
        let akismet = try #require(facts.plugins.first)
        #expect(akismet.name == "Akismet Anti-spam: Spam Protection")
        #expect(akismet.version == "5.3.3")
        #expect(akismet.mainFile == "akismet/akismet.php")
        #expect(facts.plugins.first { $0.folder == "classic-editor" }?.name == "Classic Editor")
        let known = facts.plugins.filter { $0.known != nil }.map(\.folder)
        #expect(known == ["disable-json-api", "jwt-authentication-for-wp-rest-api", "two-factor", "wordfence"])
        #expect(facts.plugins.first { $0.folder == "disable-json-api" }?.known?.category == .restRestriction)
        #expect(facts.activeSource == .assumedAll("WP-CLI (`wp`) is not installed"))
        #expect(
            facts.htaccess == .present(passThrough: ["RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]"]))
        #expect(facts.applicationPasswordsDisabled.isEmpty)  // the commented-out line does not count

        let findings = WordPressRules.run(facts)
        #expect(findings.map(\.id) == ["wordpress.auth-plugin"])
        #expect(findings[0].evidence.count == 4)
        #expect(findings[0].evidence.contains { $0.contains("Disable REST API") && $0.contains("rest_cannot_access") })
    }

    @Test func passThroughVariantsAndApplicationPasswordsOff() throws {
        let dir = try TempDirectory(prefix: "why401-wp")
        defer { dir.remove() }
        let without = try WordPressTree.make(
            in: dir, "a", htaccess: WordPressTree.htaccessWithout, appPasswordsOff: true)
        let facts = try WordPressReader.inspect(without, wpCLI: nil)
        #expect(facts.htaccess == .present(passThrough: []))
        #expect(facts.applicationPasswordsDisabled.map(\.file) == ["wp-content/mu-plugins/no-app-passwords.php"])
        #expect(facts.applicationPasswordsDisabled.first?.line == 2)
        #expect(facts.muPlugins == ["no-app-passwords.php"])
        let ids = WordPressRules.run(facts).map(\.id)
        #expect(
            ids == [
                "wordpress.authorization-stripped", "wordpress.application-passwords-disabled", "wordpress.auth-plugin",
            ])

        let setEnv = try WordPressTree.make(in: dir, "b", htaccess: WordPressTree.htaccessSetEnvIf)
        #expect(
            try WordPressReader.inspect(setEnv, wpCLI: nil).htaccess
                == .present(passThrough: [#"SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1"#]))
        let none = try WordPressTree.make(in: dir, "c", htaccess: nil)
        #expect(try WordPressReader.inspect(none, wpCLI: nil).htaccess == .missing)
        let cgiPassAuth = try WordPressTree.make(in: dir, "d", htaccess: "CGIPassAuth On\n")
        #expect(
            !WordPressRules.run(try WordPressReader.inspect(cgiPassAuth, wpCLI: nil)).map(\.id).contains(
                "wordpress.authorization-stripped"))
    }

    @Test func binaryAndHostileFilesDoNotBreakTheReader() throws {
        let dir = try TempDirectory(prefix: "why401-wp")
        defer { dir.remove() }
        let root = try WordPressTree.make(in: dir)
        var random = SystemRandomNumberGenerator()
        let junk = Data((0..<20_000).map { _ in UInt8.random(in: 0...255, using: &random) })
        try dir.write("wp/wp-content/plugins/junk/junk.php", junk)
        try dir.write(
            "wp/wp-content/plugins/junk-header/x.php",
            Data([0xFF, 0xFE]) + Data("\nPlugin Name: \u{0}Odd\u{7F}\n".utf8) + junk)
        #expect(mkfifo(root + "/wp-content/plugins/fifo.php", 0o644) == 0)  // must not block
        #expect(mkfifo(root + "/wp-content/mu-plugins-fifo", 0o644) == 0)
        try dir.write("wp/.htaccess", junk)
        let facts = try WordPressReader.inspect(root, wpCLI: nil)
        #expect(!facts.plugins.contains { $0.folder == "junk" })
        #expect(facts.plugins.contains { $0.folder == "junk-header" })
        #expect(facts.plugins.count == 9)
        #expect(facts.htaccess == .present(passThrough: []))
    }

    @Test func notWordPressIsAClearError() throws {
        let dir = try TempDirectory(prefix: "why401-wp")
        defer { dir.remove() }
        try dir.write("site/index.html", "hi")
        #expect(throws: WordPressReader.NotWordPress.self) { try WordPressReader.inspect(dir.path("site"), wpCLI: nil) }
        #expect(throws: WordPressReader.NotWordPress.self) {
            try WordPressReader.inspect(dir.path("missing"), wpCLI: nil)
        }
        try dir.write("half/wp-includes/version.php", "<?php $wp_version = '6.0';")
        #expect(throws: WordPressReader.NotWordPress.self) { try WordPressReader.inspect(dir.path("half"), wpCLI: nil) }
        // wp-config.php one level up is allowed, as WordPress allows it.
        try dir.write("up/wp-config.php", "<?php")
        try dir.write("up/public/wp-includes/version.php", "<?php $wp_version = '6.1';")
        #expect(try WordPressReader.inspect(dir.path("up/public"), wpCLI: nil).version == "6.1")
    }

    @Test func knownListHasAReasonPerEntryAndUniqueSlugs() {
        let list = WordPressKnownPlugins.list
        #expect(Set(list.map(\.slug)).count == list.count)
        #expect(list.allSatisfy { $0.reason.count > 20 })
        #expect(Set(list.map(\.category)) == Set(KnownAuthPlugin.Category.allCases))
        #expect(
            WordPressKnownPlugins.match(folder: "renamed-folder", name: "Disable REST API")?.slug == "disable-json-api")
        #expect(WordPressKnownPlugins.match(folder: "akismet", name: "Akismet") == nil)
    }
}

/// The bisect engine with the probe as a closure over the real folders (the CLI tests probe a real Apache).
@Suite struct WordPressBisectTests {
    static func probeFor(_ root: String, culprits: [String]) -> () async throws -> Int {
        {
            culprits.contains { access(root + "/wp-content/plugins/" + $0, F_OK) == 0 } ? 401 : 200
        }
    }

    /// A bisect plan over four of the test tree's plugins.
    static func fourPluginPlan(_ root: String) -> WordPressBisect.Plan {
        WordPressBisect.Plan(
            pluginsDirectory: root + "/wp-content/plugins",
            candidates: ["akismet", "bad-plugin", "two-factor", "wordfence"], url: "http://x/")
    }

    @Test func findsTheCulpritAndRestoresEveryFolder() async throws {
        let dir = try TempDirectory(prefix: "why401-bisect")
        defer { dir.remove() }
        let root = try WordPressTree.make(in: dir)
        let before = WordPressTree.pluginNames(root)
        let facts = try WordPressReader.inspect(root, wpCLI: nil)
        let plan = WordPressBisect.Plan(
            pluginsDirectory: root + "/wp-content/plugins", candidates: WordPressBisect.candidates(facts.plugins),
            url: "http://x/")
        #expect(plan.candidates.count == 8)
        #expect(plan.maxProbes == 6)
        let journal = dir.path("j.jsonl")
        final class Log: @unchecked Sendable { var lines: [String] = [] }
        let log = Log()
        let outcome = try await WordPressBisect(
            plan: plan, journalPath: journal, guard: nil, log: { log.lines.append($0) }
        )
        .run(probe: Self.probeFor(root, culprits: ["two-factor"]))
        #expect(outcome.verdict == .culprit("two-factor"))
        #expect(outcome.steps.first?.status == 401)
        #expect(outcome.steps.count <= plan.maxProbes)
        #expect(log.lines.count == outcome.steps.count + 1)
        #expect(WordPressTree.pluginNames(root) == before)
        #expect(!ChangeJournal.exists(at: journal))
    }

    @Test func notFailingNotAPluginAndCombination() async throws {
        let dir = try TempDirectory(prefix: "why401-bisect")
        defer { dir.remove() }
        let root = try WordPressTree.make(in: dir)
        let before = WordPressTree.pluginNames(root)
        let plan = Self.fourPluginPlan(root)
        let journal = dir.path("j.jsonl")
        let ok = try await WordPressBisect(plan: plan, journalPath: journal, guard: nil, log: { _ in }).run(probe: {
            200
        })
        #expect(ok.verdict == .notFailing(status: 200))
        let always = try await WordPressBisect(plan: plan, journalPath: journal, guard: nil, log: { _ in }).run(probe: {
            401
        })
        #expect(always.verdict == .notAPlugin)
        let two = try await WordPressBisect(plan: plan, journalPath: journal, guard: nil, log: { _ in })
            .run(probe: Self.probeFor(root, culprits: ["akismet", "wordfence"]))
        guard case .combination(let folders) = two.verdict else {
            Issue.record("expected a combination, got \(two.verdict)")
            return
        }
        #expect(Set(folders).isSuperset(of: ["akismet", "wordfence"]))
        #expect(WordPressTree.pluginNames(root) == before)
    }

    @Test func probeErrorRestoresAndRethrows() async throws {
        let dir = try TempDirectory(prefix: "why401-bisect")
        defer { dir.remove() }
        let root = try WordPressTree.make(in: dir)
        let before = WordPressTree.pluginNames(root)
        let plan = Self.fourPluginPlan(root)
        struct Boom: Error {}
        final class Count: @unchecked Sendable { var n = 0 }
        let count = Count()
        let journal = dir.path("j.jsonl")
        await #expect(throws: WordPressBisect.Failure.self) {
            try await WordPressBisect(plan: plan, journalPath: journal, guard: nil, log: { _ in }).run(probe: {
                count.n += 1
                if count.n == 3 { throw Boom() }
                return count.n == 1 ? 401 : 200
            })
        }
        #expect(WordPressTree.pluginNames(root) == before)
        #expect(!ChangeJournal.exists(at: journal))
        // A leftover renamed folder blocks a new run instead of being overwritten.
        #expect(rename(root + "/wp-content/plugins/akismet", root + "/wp-content/plugins/akismet.why401-off") == 0)
        try FileManager.default.createDirectory(
            atPath: root + "/wp-content/plugins/akismet", withIntermediateDirectories: false)
        await #expect(throws: WordPressBisect.Failure.self) {
            try await WordPressBisect(plan: plan, journalPath: journal, guard: nil, log: { _ in }).run(probe: { 401 })
        }
    }
}
