// Findings about offline inputs (HAR files, pasted commands) themselves.

extension FindingID {
    /// `har.contains-secrets`: The HAR file contains credentials, cookies or tokens.
    public static let harContainsSecrets = FindingID("har.contains-secrets")
}

extension Catalog {
    static let offlineEntries: [CatalogEntry] = [
        CatalogEntry(
            id: .harContainsSecrets, severity: .warning, audience: .user,
            title: "The HAR file contains credentials, cookies or tokens",
            explanation: """
                A HAR export records full request and response headers and often bodies: `Authorization`, \
                `Cookie`/`Set-Cookie`, bearer tokens, API keys and passwords posted in login forms. Anyone \
                who receives the file can reuse them until they expire. The evidence names which fields hold \
                secrets; their values are never printed.
                """,
            fix: [
                """
                Share only a redacted copy: `why401 har capture.har --redact capture-redacted.har`, then delete \
                the original.
                """,
                "Chrome DevTools: Network › Export HAR (sanitized) omits cookies and `Authorization`.",
                """
                If the file was already shared, log out everywhere (invalidates sessions) and change the password \
                or revoke the token it contained.
                """,
            ],
            references: ["W3C HTTP Archive (HAR) 1.2", "RFC 6750 §5.3"])
    ]
}
