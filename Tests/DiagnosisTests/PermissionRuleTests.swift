import Evidence
import TestSupport
import Testing

@testable import Diagnosis

/// The permission rules: each rule's own examples, plus the exact commands they print.
@Suite struct PermissionRuleTests {
    /// A root-owned 0600 password file outside the worker's group: no chmod can fix it without
    /// making it world-readable, so none is proposed; the fix is chgrp to the worker's group + 640.
    @Test func passwordFileOutsideTheWorkersGroupGetsChgrpNotWorldRead() throws {
        let facts = PermissionFacts(
            worker: "www-data", roots: ["/srv/www"],
            unreadable: [
                PermissionIssue(
                    path: "/etc/apache2/.htpasswd", kind: .authFile, mode: 0o600, owner: 0, group: 0,
                    proposedMode: 0o600, reason: "r")
            ])
        let finding = try #require(PermissionRules.run(facts).first)
        #expect(finding.id == "perm.unreadable")
        #expect(facts.changes.isEmpty)
        #expect(
            finding.fix.contains {
                $0.hasPrefix(
                    #"`chgrp "$(id -gn www-data)" /etc/apache2/.htpasswd && chmod 640 /etc/apache2/.htpasswd`"#)
            })
        #expect(!finding.fix.contains { $0.contains("chmod 0604") })
    }

    @Test func commandsAreExactAndQuoted() {
        let facts = PermissionFacts(
            worker: "www-data", roots: ["/srv/my site"],
            unreadable: [
                PermissionIssue(
                    path: "/srv/my site/it's.txt", kind: .file, mode: 0o600, owner: 0, group: 0, proposedMode: 0o644,
                    reason: "r")
            ],
            worldWritable: [
                PermissionIssue(
                    path: "/srv/my site/up", kind: .directory, mode: 0o1777, owner: 0, group: 0, proposedMode: 0o1755,
                    reason: "w")
            ])
        let findings = PermissionRules.run(facts)
        #expect(findings.map(\.id) == ["perm.unreadable", "perm.world-writable"])
        #expect(findings[0].fix[0] == #"`chmod 0644 '/srv/my site/it'\''s.txt'` (now 0600)"#)
        #expect(findings[0].fix[1].contains("why401 server --root '/srv/my site' --as www-data --apply"))
        #expect(findings[1].fix[0] == "`chmod 1755 '/srv/my site/up'` (now 1777)")
        #expect(facts.changes.count == 2)
    }

    @Test func longListsAreCapped() {
        let issues = (0..<500).map {
            PermissionIssue(
                path: "/srv/f\($0)", kind: .file, mode: 0o666, owner: 0, group: 0, proposedMode: 0o644, reason: "w")
        }
        let finding = PermissionRules.run(PermissionFacts(worker: "www-data", roots: ["/srv"], worldWritable: issues))[
            0]
        #expect(finding.evidence.count == PermissionRules.listLimit + 1)
        #expect(finding.evidence.last == "… and 480 more")
        #expect(finding.fix.contains { $0.contains("480 more chmod commands") })
        #expect(finding.detail.hasPrefix("500 paths"))
    }
}
