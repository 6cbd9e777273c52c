import Evidence
import Testing

@testable import Diagnosis

/// Every configuration rule's own triggering / non-triggering examples, plus the details that make a
/// finding actionable: the file:line and the exact lines or commands of the fix.
@Suite struct ConfigRuleTests {
    struct RuleCase: CustomTestStringConvertible, Sendable {
        let rule: any ConfigRule.Type
        var testDescription: String { rule.description.id + " (\(rule))" }
    }

    static let rules = ConfigRules.all.map { RuleCase(rule: $0) }

    @Test(arguments: rules)
    func triggeringExamplesRaiseTheId(_ ruleCase: RuleCase) {
        let d = ruleCase.rule.description
        #expect(Catalog.entry(d.id) != nil)
        #expect(!d.triggering.isEmpty)
        for example in d.triggering {
            #expect(ruleCase.rule.check(example).map(\.id).contains(d.id), "\(example) should raise \(d.id)")
        }
    }

    @Test(arguments: rules)
    func nonTriggeringExamplesStayQuiet(_ ruleCase: RuleCase) {
        let d = ruleCase.rule.description
        #expect(!d.nonTriggering.isEmpty)
        for example in d.nonTriggering {
            #expect(!ruleCase.rule.check(example).map(\.id).contains(d.id), "\(example) should not raise \(d.id)")
        }
    }

    @Test func unreadableNamesTheBlockingDirectoryAndTheCommand() throws {
        let facts = ConfigRuleExamples.apache(userFile: .denied(path: "/srv/auth", mode: 0o750, owner: "root", group: "root", reason: "no execute (search) permission for www-data on this directory"))
        let f = try #require(ConfigRules.run(facts).first { $0.id == "authfile.unreadable" })
        #expect(f.evidence.contains("/srv/auth: mode 0750, owner root:root — no execute (search) permission for www-data on this directory"))
        #expect(f.evidence.contains("AuthUserFile /etc/apache2/.htpasswd at /etc/apache2/sites-enabled/000-default.conf:15"))
        #expect(f.fix.first?.contains("chmod o+x /srv/auth") == true)
        #expect(f.fix.first?.contains("chgrp www-data /srv/auth && chmod g+x /srv/auth") == true)
    }

    @Test func sharedUserFileIsReportedOncePerConfigLine() {
        var facts = ConfigRuleExamples.apache(userFile: .missing(path: "/etc/apache2/.htpasswd"))
        facts.areas.append(facts.areas[0])
        #expect(ConfigRules.run(facts).filter { $0.id == "authfile.missing" }.count == 1)
    }

    @Test func htaccessIgnoredWithAssumedDefault() throws {
        let facts = ConfigRuleExamples.htaccess(override: OverrideFact(text: "None (assumed)", at: nil, assumed: true, allowsAuthConfig: false, isNone: true))
        let f = try #require(ConfigRules.run(facts).first)
        #expect(f.id == "config.htaccess-ignored")
        #expect(f.fix.first == "Add `<Directory \"/var/www/html/private\"> AllowOverride AuthConfig </Directory>` to the virtual host, then `sudo apachectl configtest && sudo systemctl reload apache2`.")
        #expect(f.fix.contains { $0.contains("curl -I http://HOST/private/") })
    }

    @Test func incompleteAuthVariantsSayWhatIsMissing() {
        let noRequire = ConfigRules.run(ConfigRuleExamples.apache(requires: [])).first { $0.id == "config.incomplete-auth" }
        #expect(noRequire?.detail.contains("has no `Require` that needs a user") == true)
        let noType = ConfigRules.run(ConfigRuleExamples.apache(scheme: nil)).first { $0.id == "config.incomplete-auth" }
        #expect(noType?.detail.contains("AH00027") == true)
        let nginx = ConfigRules.run(ConfigRuleExamples.nginx(userFile: nil)).first { $0.id == "config.incomplete-auth" }
        #expect(nginx?.fix.first?.contains("auth_basic_user_file /etc/nginx/.htpasswd;") == true)
    }
}
