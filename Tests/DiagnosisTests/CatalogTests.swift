import Foundation
import TestSupport
import Testing

@testable import Diagnosis

/// The catalog against the finding-id contract (`docs/findings-contract.md`) and its own rules of form.
@Suite("Catalog")
struct CatalogTests {
    /// The package root: this file is `<root>/Tests/DiagnosisTests/CatalogTests.swift`.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The contract, as committed with the code it constrains.
    static func contractFiles() -> [URL] {
        [packageRoot.appendingPathComponent("docs/findings-contract.md")]
    }

    /// Every backticked id in the first column of a Markdown table (`| `id` | … |`).
    static func contractIDs(in text: String) -> [String] {
        var ids: [String] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("|") else { continue }
            let cells = line.dropFirst().split(separator: "|", omittingEmptySubsequences: false)
            guard let first = cells.first else { continue }
            let cell = first.trimmingCharacters(in: .whitespaces)
            guard cell.count > 2, cell.hasPrefix("`"), cell.hasSuffix("`") else { continue }
            let id = String(cell.dropFirst().dropLast())
            if !id.contains("`") { ids.append(id) }
        }
        return ids
    }

    static func isWellFormedID(_ id: String) -> Bool {
        // ^[a-z]+\.[a-z0-9-]+$
        let parts = id.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let area = parts[0]
        let name = parts[1]
        guard !area.isEmpty, !name.isEmpty else { return false }
        guard area.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) }) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    @Test("the contract copy exists and lists ids")
    func contractCopyIsReadable() throws {
        let text = try String(
            contentsOf: Self.packageRoot.appendingPathComponent("docs/findings-contract.md"), encoding: .utf8)
        let ids = Self.contractIDs(in: text)
        #expect(ids.count >= 60, "expected the full contract, found \(ids.count) ids")
        #expect(ids.contains("token.expired"))
        #expect(ids.contains("logs.malformed-lines"))
    }

    @Test("every contract id has a catalog entry")
    func everyContractIDIsInTheCatalog() throws {
        for file in Self.contractFiles() {
            let text = try String(contentsOf: file, encoding: .utf8)
            let ids = Self.contractIDs(in: text)
            #expect(!ids.isEmpty, "no ids found in \(file.path)")
            let missing = ids.filter { Catalog.entry(named: $0) == nil }
            #expect(missing.isEmpty, "ids in \(file.path) without a catalog entry: \(missing.joined(separator: ", "))")
            for id in missing {
                Issue.record("no catalog entry for \(id) (listed in \(file.lastPathComponent))")
            }
        }
    }

    @Test("ids the issues asked for are present")
    func requestedIDsArePresent() {
        for id: FindingID in ["server.auth-backend-error", "credentials.not-received", "responder.identified"] {
            #expect(Catalog.entry(id) != nil, "missing \(id)")
        }
    }

    @Test("ids are unique")
    func idsAreUnique() {
        var seen: Set<FindingID> = []
        for entry in Catalog.entries {
            #expect(seen.insert(entry.id).inserted, "duplicate id \(entry.id)")
        }
    }

    @Test("ids have the area.name form")
    func idsAreWellFormed() {
        for entry in Catalog.entries {
            #expect(Self.isWellFormedID(entry.id.rawValue), "id \(entry.id) does not match ^[a-z]+\\.[a-z0-9-]+$")
        }
        #expect(!Self.isWellFormedID("Token.expired"))
        #expect(!Self.isWellFormedID("token.expired.x"))
        #expect(!Self.isWellFormedID("token."))
        #expect(Self.isWellFormedID("server.auth-backend-error"))
    }

    @Test("every entry is complete")
    func entriesAreComplete() {
        #expect(Catalog.entries.count >= 70)
        for entry in Catalog.entries {
            let title = entry.title.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!title.isEmpty, "\(entry.id): empty title")
            #expect(!title.hasSuffix("."), "\(entry.id): title ends with a period")
            #expect(!title.contains("\n"), "\(entry.id): title is more than one line")
            #expect(
                !entry.explanation.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                "\(entry.id): empty explanation")
            #expect(!entry.fix.isEmpty, "\(entry.id): no fix step")
            #expect(
                entry.fix.allSatisfy { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty },
                "\(entry.id): empty fix step")
            #expect(!entry.references.isEmpty, "\(entry.id): no reference")
            #expect(
                entry.references.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty },
                "\(entry.id): empty reference")
        }
    }

    @Test("severity and audience of anchor entries")
    func anchorClassifications() {
        let expected: [(String, Severity, Audience)] = [
            ("challenge.missing", .error, .admin),
            ("credentials.rejected", .error, .user),
            ("token.not-jwt", .info, .user),
            ("responder.identified", .info, .admin),
            ("cors.preflight-unauthorized", .error, .admin),
            ("har.contains-secrets", .warning, .user),
        ]
        for (id, severity, audience) in expected {
            let entry = Catalog.entry(named: id)
            #expect(entry?.severity == severity, "\(id) severity")
            #expect(entry?.audience == audience, "\(id) audience")
        }
        for entry in Catalog.entries where entry.area == "authfile" || entry.area == "logs" {
            #expect(entry.audience == .admin, "\(entry.id) should be for admins")
        }
    }

    @Test("nearest suggests token.expired for a typo and for the bare name")
    func nearest() {
        #expect(Catalog.nearest(to: "token.expird").contains("token.expired"))
        #expect(Catalog.nearest(to: "expired").contains("token.expired"))
        #expect(Catalog.nearest(to: "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz").isEmpty)
    }

    @Test("a Finding copies its catalog entry")
    func findingCopiesEntry() throws {
        let entry = try #require(Catalog.entry("token.expired"))
        let finding = Finding("token.expired")
        #expect(finding.id == entry.id)
        #expect(finding.severity == entry.severity)
        #expect(finding.audience == entry.audience)
        #expect(finding.title == entry.title)
        #expect(finding.detail == entry.explanation)
        #expect(finding.fix == entry.fix)
        #expect(finding.references == entry.references)
        #expect(finding.evidence.isEmpty)
    }
}
