import Evidence
import TestSupport
import Testing

@testable import Diagnosis

/// The WordPress rules: each rule's own examples, and the texts an admin acts on.
@Suite struct WordPressRuleTests {
    @Test func culpritOutranksSuspectsAndNamesThePlugin() {
        var facts = WordPressCulpritPluginRule.bisected(.culprit("bad-plugin"))
        facts.plugins.append(
            WordPressPlugin(folder: "bad-plugin", mainFile: "bad-plugin/bad.php", name: "Bad Plugin", version: "1.0"))
        facts.plugins.append(
            WordPressPlugin(
                folder: "wordfence", mainFile: "wordfence/wordfence.php", name: "Wordfence Security",
                known: KnownAuthPlugin(slug: "wordfence", category: .security, reason: "firewall")))
        let findings = WordPressRules.run(facts)
        #expect(findings.map(\.id) == ["wordpress.culprit-plugin", "wordpress.auth-plugin"])
        #expect(findings[0].detail.contains("Bad Plugin (folder bad-plugin)"))
        #expect(findings[0].evidence.count == 4)
        #expect(findings[0].fix[0].contains("wp plugin deactivate bad-plugin"))
        #expect(findings[1].detail.contains("assumed active"))
    }

    @Test func wpCLIInactivePluginIsNotASuspect() {
        var facts = WordPressRules.sample
        facts.activeSource = .wpCLI
        facts.plugins = [
            WordPressPlugin(
                folder: "two-factor", mainFile: "two-factor/two-factor.php", name: "Two Factor", active: true,
                known: KnownAuthPlugin(slug: "two-factor", category: .twoFactor, reason: "2FA")),
            WordPressPlugin(
                folder: "jwt-auth", mainFile: "jwt-auth/jwt-auth.php", name: "JWT Auth", active: false,
                known: KnownAuthPlugin(slug: "jwt-auth", category: .jwt, reason: "JWT")),
        ]
        let finding = WordPressAuthPluginRule.check(facts)[0]
        #expect(finding.evidence.count == 1)
        #expect(!finding.detail.contains("assumed"))
    }
}
