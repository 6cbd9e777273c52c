/// Every finding why401 can raise, as data. The entries live in one file per area
/// (`Catalog+Challenge.swift`, `Catalog+Credentials.swift`, …).
public enum Catalog {
    /// All entries, in the order of `docs/findings-contract.md` (area by area).
    public static let entries: [CatalogEntry] =
        challengeEntries + credentialsEntries + tokenEntries + networkEntries + sessionEntries
        + serverEntries + offlineEntries + logsEntries

    private static let byID: [FindingID: CatalogEntry] = Dictionary(
        entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

    /// The entry for a typed id. Every constant is declared beside its entry, so this only fails
    /// for an id built from outside input — which `entry(named:)` is for.
    public static func entry(_ id: FindingID) -> CatalogEntry? { byID[id] }

    /// The entry with this id string, as a user or a file gives it (exact, case-sensitive: ids are
    /// lower-case by contract).
    public static func entry(named id: String) -> CatalogEntry? { byID[FindingID(rawValue: id)] }

    /// Ids closest to a mistyped one, for "did you mean". Matches on edit distance and on the
    /// part after the dot, so `expired` suggests `token.expired`.
    public static func nearest(to query: String, limit: Int = 3) -> [String] {
        let needle = query.lowercased()
        let scored = entries.map { entry -> (String, Int) in
            let id = entry.id.rawValue
            let whole = editDistance(needle, id)
            let name = String(id.drop(while: { $0 != "." }).dropFirst())
            let partial = editDistance(needle, name)
            let contains = id.contains(needle) && !needle.isEmpty ? 0 : Int.max
            return (id, Swift.min(whole, partial + 1, contains))
        }
        let threshold = Swift.max(3, needle.count / 2)
        return scored.filter { $0.1 <= threshold }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .prefix(limit).map(\.0)
    }

    /// Levenshtein distance over UTF-8 bytes; ids are ASCII.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
