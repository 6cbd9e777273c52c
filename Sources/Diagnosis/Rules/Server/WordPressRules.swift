import Evidence

/// The WordPress rules, most specific first: a bisect result is proof, the rest are suspects.
public enum WordPressRules {
    /// The WordPress family as one `RuleSet`: what `why401 wordpress` runs over its `WordPressFacts`.
    public static let set = RuleSet<WordPressFacts>(
        "wordpress",
        [
            WordPressCulpritPluginRule.self, WordPressAuthorizationStrippedRule.self,
            WordPressApplicationPasswordsDisabledRule.self, WordPressAuthPluginRule.self,
        ])

    /// The rules, in rank order.
    public static var all: [any Rule<WordPressFacts>.Type] { Self.set.rules }

    /// Every WordPress finding, de-duplicated and ranked.
    public static func run(_ facts: WordPressFacts) -> [Finding] {
        set.run(facts)
    }

    static let sample = WordPressFacts(
        directory: "/var/www/html", version: "6.6.2",
        plugins: [WordPressPlugin(folder: "hello.php", mainFile: "hello.php", name: "Hello Dolly", version: "1.7.2")],
        htaccess: .present(passThrough: ["RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]"]))

    static func with(_ change: (inout WordPressFacts) -> Void) -> WordPressFacts {
        var facts = sample
        change(&facts)
        return facts
    }
}

/// `wordpress.auth-plugin`: active plugins from the known list, each with the list's reason.
public enum WordPressAuthPluginRule: Rule {
    /// Raises `wordpress.auth-plugin`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<WordPressFacts>(
        id: .wordpressAuthPlugin,
        triggering: [
            WordPressRules.with {
                $0.plugins.append(
                    WordPressPlugin(
                        folder: "wordfence", mainFile: "wordfence/wordfence.php", name: "Wordfence Security",
                        version: "7.11.7",
                        known: KnownAuthPlugin(
                            slug: "wordfence", category: .security, reason: "can disable application passwords")))
            }
        ],
        nonTriggering: [
            WordPressRules.sample,
            WordPressRules.with {
                $0.activeSource = .wpCLI
                $0.plugins.append(
                    WordPressPlugin(
                        folder: "wordfence", mainFile: "wordfence/wordfence.php", name: "Wordfence Security",
                        active: false,
                        known: KnownAuthPlugin(
                            slug: "wordfence", category: .security, reason: "can disable application passwords")))
            },
        ])

    /// One finding listing the active plugins of the known list, each with its reason.
    public static func check(_ facts: WordPressFacts) -> [Finding] {
        let suspects = facts.plugins.filter { $0.known != nil && $0.isActive }
        guard !suspects.isEmpty else { return [] }
        var detail =
            "\(suspects.count) \(suspects.count == 1 ? "plugin is" : "plugins are") known to affect authentication: "
            + suspects.map(\.name).joined(separator: ", ") + "."
        if case .assumedAll(let why) = facts.activeSource {
            detail += " \(why): all installed plugins are assumed active."
        }
        let evidence = suspects.map {
            """
            \($0.name)\($0.version.map { " \($0)" } ?? "") (folder \($0.folder), \($0.known!.category.rawValue)): \
            \($0.known!.reason)
            """
        }
        let dir = facts.directory
        return [
            Finding(
                .wordpressAuthPlugin, detail: detail, evidence: evidence,
                fix: [
                    """
                    Find out which one (if any) causes the 401: `why401 wordpress \(dir) --bisect URL --apply` \
                    (without --apply it prints the plan).
                    """
                ])
        ]
    }
}

/// `wordpress.authorization-stripped`: `.htaccess` without the pass-through of `Authorization`.
public enum WordPressAuthorizationStrippedRule: Rule {
    /// Raises `wordpress.authorization-stripped`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<WordPressFacts>(
        id: .wordpressAuthorizationStripped,
        triggering: [
            WordPressRules.with { $0.htaccess = .present(passThrough: []) },
            WordPressRules.with { $0.htaccess = .unreadable("cannot read it") },
        ],
        nonTriggering: [
            WordPressRules.sample,
            WordPressRules.with {
                $0.htaccess = .present(passThrough: [#"SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1"#])
            },
            WordPressRules.with { $0.htaccess = .missing },
        ])

    /// One finding when `.htaccess` exists without a line that passes `Authorization` to PHP, or cannot be read.
    public static func check(_ facts: WordPressFacts) -> [Finding] {
        let path = facts.directory + "/.htaccess"
        switch facts.htaccess {
        case .missing:
            // nginx sites have none, and on Apache the vhost may carry CGIPassAuth: not judged.
            return []
        case .unreadable(let why):
            return [
                Finding(
                    .wordpressAuthorizationStripped,
                    detail:
                        """
                        \(path) exists but \(why), so Apache cannot apply its pass-through rule either; PHP under \
                        CGI/FastCGI/PHP-FPM then never sees Authorization.
                        """,
                    evidence: ["\(path): \(why)"])
            ]
        case .present(let lines) where lines.isEmpty:
            return [
                Finding(
                    .wordpressAuthorizationStripped,
                    detail:
                        """
                        \(path) has no rule that passes Authorization to PHP (no RewriteRule/SetEnvIf setting \
                        HTTP_AUTHORIZATION, no CGIPassAuth On). Unless PHP runs as mod_php or the virtual host \
                        sets CGIPassAuth On, application passwords and JWT plugins see no credentials and \
                        WordPress answers 401.
                        """,
                    evidence: ["\(path): no HTTP_AUTHORIZATION pass-through line"])
            ]
        case .present:
            return []
        }
    }
}

/// `wordpress.application-passwords-disabled`: a filter returning false, or a plugin made for it.
public enum WordPressApplicationPasswordsDisabledRule: Rule {
    /// Raises `wordpress.application-passwords-disabled`; the examples are inputs that must raise it and inputs that
    /// must not.
    public static let description = RuleDescription<WordPressFacts>(
        id: .wordpressApplicationPasswordsDisabled,
        triggering: [
            WordPressRules.with {
                $0.applicationPasswordsDisabled = [
                    CodeLocation(
                        file: "wp-content/mu-plugins/no-app-pw.php", line: 3,
                        text: "add_filter( 'wp_is_application_passwords_available', '__return_false' );")
                ]
            },
            WordPressRules.with {
                $0.plugins.append(
                    WordPressPlugin(
                        folder: "disable-application-passwords", mainFile: "disable-application-passwords/plugin.php",
                        name: "Disable Application Passwords",
                        known: KnownAuthPlugin(
                            slug: "disable-application-passwords", category: .applicationPasswords,
                            reason: "switches them off")))
            },
        ],
        nonTriggering: [WordPressRules.sample])

    /// One finding listing the code lines and active plugins that switch application passwords off.
    public static func check(_ facts: WordPressFacts) -> [Finding] {
        var evidence = facts.applicationPasswordsDisabled.map { "\($0.file):\($0.line): \($0.text)" }
        evidence += facts.plugins.filter { $0.known?.category == .applicationPasswords && $0.isActive }.map {
            "plugin \($0.name) (folder \($0.folder)): \($0.known!.reason)"
        }
        guard !evidence.isEmpty else { return [] }
        let fix = facts.applicationPasswordsDisabled.map {
            "Remove or change line \($0.line) of \(facts.directory)/\($0.file)."
        }
        return [
            Finding(
                .wordpressApplicationPasswordsDisabled,
                detail:
                    """
                    Application passwords are switched off in code (\(evidence.count) \
                    place\(evidence.count == 1 ? "" : "s")): Basic credentials with an application password are \
                    refused with 401.
                    """,
                evidence: evidence, fix: fix)
        ]
    }
}

/// `wordpress.culprit-plugin`: bisection proved that deactivating one plugin ends the 401.
public enum WordPressCulpritPluginRule: Rule {
    static func bisected(_ verdict: BisectOutcome.Verdict) -> WordPressFacts {
        WordPressRules.with {
            $0.bisect = BisectOutcome(
                url: "https://example.com/wp-json/wp/v2/users/me", candidates: ["a", "bad"],
                steps: [
                    .init(deactivated: [], status: 401), .init(deactivated: ["a", "bad"], status: 200),
                    .init(deactivated: ["a"], status: 401), .init(deactivated: ["bad"], status: 200),
                ],
                verdict: verdict, restored: true)
        }
    }

    /// Raises `wordpress.culprit-plugin`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<WordPressFacts>(
        id: .wordpressCulpritPlugin,
        triggering: [bisected(.culprit("bad")), bisected(.combination(["a", "bad"]))],
        nonTriggering: [WordPressRules.sample, bisected(.notAPlugin), bisected(.notFailing(status: 200))])

    /// One finding when a bisect proved a culprit plugin or a combination of plugins; none for other verdicts.
    public static func check(_ facts: WordPressFacts) -> [Finding] {
        guard let bisect = facts.bisect else { return [] }
        let steps = bisect.steps.enumerated().map { index, step in
            """
            step \(index + 1): deactivated \
            \(step.deactivated.isEmpty ? "none" : step.deactivated.joined(separator: ", ")) → \(step.status)
            """
        }
        let restored = bisect.restored ? " Every plugin folder was renamed back afterwards." : ""
        switch bisect.verdict {
        case .culprit(let folder):
            let name = facts.plugins.first { $0.folder == folder }.map { "\($0.name) (folder \(folder))" } ?? folder
            return [
                Finding(
                    .wordpressCulpritPlugin,
                    detail:
                        """
                        With \(name) active, \(bisect.url) answers 401; with only it deactivated, the request \
                        succeeds.\(restored)
                        """,
                    evidence: steps,
                    fix: [
                        """
                        Check \(name)'s settings for REST API, application-password or login restrictions; or \
                        deactivate it: `wp plugin deactivate \
                        \(folder.hasSuffix(".php") ? String(folder.dropLast(4)) : folder)`.
                        """
                    ])
            ]
        case .combination(let folders):
            return [
                Finding(
                    .wordpressCulpritPlugin,
                    detail:
                        """
                        No single plugin ends the 401 on its own, but deactivating these together does: \
                        \(folders.joined(separator: ", ")). Two or more of them refuse the request \
                        independently.\(restored)
                        """,
                    evidence: steps)
            ]
        case .notAPlugin, .notFailing:
            return []
        }
    }
}
