import Evidence
import TestSupport
import Testing

@testable import Diagnosis

/// Every configuration rule's own triggering / non-triggering examples, plus the details that make a
/// finding actionable: the file:line and the exact lines or commands of the fix.
@Suite struct ConfigRuleTests {
    @Test func unreadableNamesTheBlockingDirectoryAndTheCommand() throws {
        let facts = ConfigRuleExamples.apache(
            userFile: .denied(
                path: "/srv/auth", mode: 0o750, owner: "root", group: "root",
                reason: "no execute (search) permission for www-data on this directory"))
        let f = try #require(ConfigRules.run(facts).first { $0.id == "authfile.unreadable" })
        #expect(
            f.evidence.contains(
                "/srv/auth: mode 0750, owner root:root — no execute (search) permission for www-data on this directory")
        )
        #expect(
            f.evidence.contains("AuthUserFile /etc/apache2/.htpasswd at /etc/apache2/sites-enabled/000-default.conf:15")
        )
        #expect(f.fix.first?.contains("chmod o+x /srv/auth") == true)
        #expect(f.fix.first?.contains("chgrp www-data /srv/auth && chmod g+x /srv/auth") == true)
    }

    @Test func sharedUserFileIsReportedOncePerConfigLine() {
        var facts = ConfigRuleExamples.apache(userFile: .missing(path: "/etc/apache2/.htpasswd"))
        facts.areas.append(facts.areas[0])
        #expect(ConfigRules.run(facts).filter { $0.id == "authfile.missing" }.count == 1)
    }

    @Test func htaccessIgnoredWithAssumedDefault() throws {
        let facts = ConfigRuleExamples.htaccess(
            override: OverrideFact(
                text: "None (assumed)", at: nil, assumed: true, allowsAuthConfig: false, isNone: true))
        let f = try #require(ConfigRules.run(facts).first)
        #expect(f.id == "config.htaccess-ignored")
        #expect(
            f.fix.first
                == """
                Add `<Directory \"/var/www/html/private\"> AllowOverride AuthConfig </Directory>` to the virtual \
                host, then `sudo apachectl configtest && sudo systemctl reload apache2`.
                """
        )
        #expect(f.fix.contains { $0.contains("curl -I http://HOST/private/") })
    }

    @Test func incompleteAuthVariantsSayWhatIsMissing() {
        let noRequire = ConfigRules.run(ConfigRuleExamples.apache(requires: [])).first {
            $0.id == "config.incomplete-auth"
        }
        #expect(noRequire?.detail.contains("has no `Require` that needs a user") == true)
        let noType = ConfigRules.run(ConfigRuleExamples.apache(scheme: nil)).first { $0.id == "config.incomplete-auth" }
        #expect(noType?.detail.contains("AH00027") == true)
        let nginx = ConfigRules.run(ConfigRuleExamples.nginx(userFile: nil)).first { $0.id == "config.incomplete-auth" }
        #expect(nginx?.fix.first?.contains("auth_basic_user_file /etc/nginx/.htpasswd;") == true)
    }

    @Test func bypassForEveryoneIsAnErrorAndForSomeHostsAWarning() throws {
        let everyone = try #require(
            ConfigRules.run(ConfigRuleExamples.apache(userFile: .ok, bypass: ConfigRuleExamples.bypass(everyone: true)))
                .first { $0.id == "config.auth-bypassed" })
        #expect(everyone.severity == .error)
        #expect(everyone.detail.contains("NOT protected"))
        #expect(everyone.evidence.contains("Satisfy Any at /etc/apache2/sites-enabled/000-default.conf:19"))
        #expect(
            everyone.fix.first?.contains("Delete `Satisfy Any` at /etc/apache2/sites-enabled/000-default.conf:19")
                == true)
        let hosts = try #require(
            ConfigRules.run(
                ConfigRuleExamples.apache(userFile: .ok, bypass: ConfigRuleExamples.bypass(everyone: false))
            ).first { $0.id == "config.auth-bypassed" })
        #expect(hosts.severity == .warning)
        #expect(hosts.fix.contains { $0.contains("Require ip 10.0.0.0/8") })
        // An area everyone gets into is no CORS problem either.
        var cors = ConfigRuleExamples.apache(
            userFile: .ok, cors: ConfigRules.example, bypass: ConfigRuleExamples.bypass(everyone: true))
        #expect(!ConfigRules.run(cors).contains { $0.id == "config.options-requires-auth" })
        cors.areas[0].bypass = nil
        #expect(ConfigRules.run(cors).contains { $0.id == "config.options-requires-auth" })
    }

    static func apacheHandler(authenticatedBy: ConfigLocation?) -> ServerConfigFacts {
        let at = ConfigRules.example
        let fact = ForwardingFact(
            server: .apache, kind: .cgi, context: "ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/", at: at,
            passesAuthorization: false,
            reason: "no CGIPassAuth On, SetEnvIf or RewriteRule setting HTTP_AUTHORIZATION applies here",
            authenticatedByServer: authenticatedBy,
            scriptDirectory: "/usr/lib/cgi-bin")
        return ServerConfigFacts(
            server: .apache, mainConfig: "/etc/apache2/apache2.conf", worker: "www-data", workerSource: "User",
            forwarding: [fact])
    }

    @Test func notForwardedOnlyWhereTheApplicationReadsAuthorizationAndTheFixIsScoped() throws {
        let own = try #require(
            ConfigRules.run(Self.apacheHandler(authenticatedBy: nil)).first {
                $0.id == "config.authorization-not-forwarded"
            })
        #expect(own.detail.contains("must read Authorization itself"))
        #expect(own.fix.first?.contains(#"inside the `<Directory "/usr/lib/cgi-bin">`"#) == true)
        #expect(!own.fix.contains { $0.contains("server-wide: `SetEnvIf") })
        let byServer = ConfigRules.run(
            Self.apacheHandler(authenticatedBy: ConfigLocation(file: "/etc/apache2/apache2.conf", line: 40)))
        #expect(!byServer.contains { $0.id == "config.authorization-not-forwarded" })
        #expect(!byServer.contains { $0.fix.contains { $0.contains("CGIPassAuth") } })
    }

    @Test func authRequestWithoutAServiceIsIncomplete() throws {
        var facts = ConfigRuleExamples.nginx(userFile: nil)
        facts.areas[0].scheme = ConfigSetting("auth_request", at: ConfigRules.nginxExample)
        facts.areas[0].realm = nil
        facts.areas[0].authRequest = AuthRequestFact(
            uri: "/oauth2/auth", at: ConfigLocation(file: ConfigRules.nginxExample.file, line: 31))
        let f = try #require(ConfigRules.run(facts).first { $0.id == "config.incomplete-auth" })
        #expect(f.detail.contains("no location of this server handles that URI"))
        #expect(f.fix.first?.contains("location = /oauth2/auth { internal; proxy_pass") == true)
        facts.areas[0].authRequest?.endpoint = ConfigSetting(
            "location = /oauth2/auth", at: ConfigLocation(file: ConfigRules.nginxExample.file, line: 40))
        facts.areas[0].authRequest?.service = ConfigSetting(
            "proxy_pass http://127.0.0.1:4180", at: ConfigLocation(file: ConfigRules.nginxExample.file, line: 42))
        #expect(!ConfigRules.run(facts).contains { $0.id == "config.incomplete-auth" })
    }

    @Test func overrideForbiddenWithNoAllowOverrideSaysWhereToAddOne() throws {
        let facts = ConfigRuleExamples.htaccess(
            override: OverrideFact(text: "not set", at: nil, allowsAuthConfig: false, isNone: false))
        let f = try #require(ConfigRules.run(facts).first)
        #expect(f.id == "config.override-forbidden")
        #expect(f.detail.contains("no AllowOverride applies to /var/www/html/private"))
        #expect(
            f.fix.first?.hasPrefix(
                #"Add `<Directory "/var/www/html/private">` `AllowOverride AuthConfig` `</Directory>`"#) == true)
    }
}
