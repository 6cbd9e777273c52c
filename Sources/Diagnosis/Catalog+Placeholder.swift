// Temporary until the per-area catalog files land.
extension Catalog {
    static let challengeEntries: [CatalogEntry] = []
    static let credentialsEntries: [CatalogEntry] = []
    static let tokenEntries: [CatalogEntry] = []
    static let networkEntries: [CatalogEntry] = []
    static let sessionEntries: [CatalogEntry] = []
    static let serverEntries: [CatalogEntry] = []
    static let offlineEntries: [CatalogEntry] = []
    static let logsEntries: [CatalogEntry] = []
}
