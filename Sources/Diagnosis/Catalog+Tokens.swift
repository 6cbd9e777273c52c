// Findings about bearer tokens, JWT claims, OAuth metadata and the clock they depend on.

extension FindingID {
    /// `token.expired`: The JWT has expired (exp is in the past).
    public static let tokenExpired = FindingID("token.expired")
    /// `token.not-yet-valid`: The JWT is not valid yet (nbf or iat in the future).
    public static let tokenNotYetValid = FindingID("token.not-yet-valid")
    /// `token.invalid`: The server says the bearer token is invalid (error="invalid_token").
    public static let tokenInvalid = FindingID("token.invalid")
    /// `token.insufficient-scope`: The token lacks the scope this resource needs (error="insufficient_scope").
    public static let tokenInsufficientScope = FindingID("token.insufficient-scope")
    /// `token.signature-invalid`: The token's signature does not verify (or alg is none).
    public static let tokenSignatureInvalid = FindingID("token.signature-invalid")
    /// `token.weak-secret`: The token's HMAC secret is a well-known weak one.
    public static let tokenWeakSecret = FindingID("token.weak-secret")
    /// `token.audience-mismatch`: The token's audience or issuer is not the one this API expects.
    public static let tokenAudienceMismatch = FindingID("token.audience-mismatch")
    /// `token.not-jwt`: The bearer token is opaque: its claims cannot be read.
    public static let tokenNotJwt = FindingID("token.not-jwt")
    /// `oauth.resource-metadata-broken`: The resource_metadata URL in the Bearer challenge is unreachable or invalid.
    public static let oauthResourceMetadataBroken = FindingID("oauth.resource-metadata-broken")
    /// `clock.skew`: The local clock differs from the server's Date by more than 60 seconds.
    public static let clockSkew = FindingID("clock.skew")
}

extension Catalog {
    static let tokenEntries: [CatalogEntry] = [
        CatalogEntry(
            id: .tokenExpired, severity: .error, audience: .user,
            title: "The JWT has expired (exp is in the past)",
            explanation: """
                The token's `exp` claim is the time after which it must not be accepted (RFC 7519 §4.1.4), \
                and that time has passed, so the server rejects the token with a 401, usually with \
                `error="invalid_token"`. Access tokens are short-lived by design (minutes to hours); a client \
                must refresh them before they run out. If the token looks fresh to you, compare the clocks.
                """,
            fix: [
                """
                Get a new token: log in again, or use the refresh token, e.g. `curl -u CLIENT_ID -d \
                grant_type=refresh_token -d refresh_token=$REFRESH https://idp.example.com/oauth/token`.
                """,
                """
                In code, refresh when `exp - now < 60 s` instead of waiting for the 401, and retry the request \
                once after refreshing.
                """,
                """
                If `exp` seems right but the server still says expired, check the clocks (see clock.skew): `sudo \
                timedatectl set-ntp true`.
                """,
            ],
            references: ["RFC 7519 §4.1.4", "RFC 6750 §3.1", "RFC 6749 §6"]),

        CatalogEntry(
            id: .tokenNotYetValid, severity: .error, audience: .user,
            title: "The JWT is not valid yet (nbf or iat in the future)",
            explanation: """
                `nbf` says the token must not be accepted before that time (RFC 7519 §4.1.5) and `iat` when \
                it was issued (§4.1.6); a time in the future almost always means the issuer's clock is ahead \
                of the server's (or the server's is behind). Strict verifiers reject such a token with 401 \
                until the clocks agree or the time arrives.
                """,
            fix: [
                """
                Synchronise the clocks of the issuer, the API server and this machine: Linux `sudo timedatectl \
                set-ntp true`, macOS `sudo sntp -sS time.apple.com`, Windows `w32tm /resync`.
                """,
                """
                Admin: allow a small leeway in the verifier (e.g. 60 s: PyJWT `leeway=60`, jsonwebtoken \
                `clockTolerance: 60`).
                """,
                "As a stop-gap, wait until the `nbf` time shown in the evidence has passed and retry.",
            ],
            references: ["RFC 7519 §4.1.5", "RFC 7519 §4.1.6"]),

        CatalogEntry(
            id: .tokenInvalid, severity: .error, audience: .user,
            title: "The server says the bearer token is invalid (error=\"invalid_token\")",
            explanation: """
                RFC 6750 §3.1 defines `invalid_token` for a token that is expired, revoked, malformed or \
                otherwise not accepted; the server's `error_description`, quoted in the evidence, often says \
                which. A new token is needed; sending the same one again will keep failing.
                """,
            fix: [
                """
                Read the `error_description` in the evidence and obtain a new token from the issuer (log in again \
                or refresh).
                """,
                """
                Check the token was issued for this API and environment (staging tokens do not work in \
                production): decode its claims with `why401 URL --bearer @token.txt --audience API-AUDIENCE` \
                (expired, not-yet-valid and audience findings) or `cut -d. -f2 token.txt | base64 -d`.
                """,
                "If tokens are revoked on logout or password change, log in again on this client.",
            ],
            references: ["RFC 6750 §3.1", "RFC 6750 §3"]),

        CatalogEntry(
            id: .tokenInsufficientScope, severity: .error, audience: .user,
            title: "The token lacks the scope this resource needs (error=\"insufficient_scope\")",
            explanation: """
                The token is valid but not allowed to do this; the challenge's `scope=` names what is needed. \
                This is an authorization failure, which RFC 6750 §3.1 answers with 403, not 401: a server \
                that returns 401 makes clients throw away a good token or prompt again in vain.
                """,
            fix: [
                #"""
                Request a token with the scope named in the challenge, e.g. `-d scope="orders:read orders:write"` \#
                in the token request, and make sure the client is allowed that scope at the authorization server.
                """#,
                "Admin: grant the scope to the client or user in the authorization server.",
                #"""
                Admin: answer insufficient scope with `403` and `WWW-Authenticate: Bearer \#
                error="insufficient_scope", scope="orders:read"`.
                """#,
            ],
            references: ["RFC 6750 §3.1", "RFC 9110 §15.5.4", "RFC 6749 §3.3"]),

        CatalogEntry(
            id: .tokenSignatureInvalid, severity: .error, audience: .user,
            title: "The token's signature does not verify (or alg is none)",
            explanation: """
                Verified with the given key or JWKS, the signature fails: the token was signed by another \
                issuer or environment, with a rotated key whose `kid` is not in the JWKS, with a different \
                HMAC secret, or it was altered. A token with `alg: none` has no signature at all and must \
                never be accepted (a server that accepts it is a security hole). The API rejects such a token with 401.
                """,
            fix: [
                """
                Get a token from the issuer this API trusts; compare the token's `iss` and `kid` (`cut -d. -f1,2 \
                token.txt | tr . '\\n' | base64 -d`) with `curl -s https://idp.example.com/.well-known/jwks.json | \
                jq '.keys[].kid'`.
                """,
                """
                Admin: after a key rotation, publish the new key in the JWKS before signing with it, and let \
                verifiers refresh their JWKS cache.
                """,
                #"""
                Admin: pin the accepted algorithms in the verifier, e.g. PyJWT `jwt.decode(token, key, \#
                algorithms=["RS256"])`; reject `none`.
                """#,
            ],
            references: ["RFC 7515 §5.2", "RFC 7518 §3.6", "RFC 8725 §3.1", "RFC 7517 §4.5"]),

        CatalogEntry(
            id: .tokenWeakSecret, severity: .warning, audience: .admin,
            title: "The token's HMAC secret is a well-known weak one",
            explanation: """
                The HS256/384/512 signature verifies with a secret from public tutorials and wordlists \
                (`secret`, `your-256-bit-secret`, …). Anyone can then mint tokens the API accepts, and \
                offline guessing of such secrets takes seconds. RFC 7518 requires an HMAC key at least as \
                long as the hash output, and RFC 8725 warns against human-memorable secrets.
                """,
            fix: [
                """
                Admin: replace the signing secret with 32 or more random bytes, e.g. `openssl rand -base64 48`, \
                and revoke the tokens issued with the old one.
                """,
                "Admin: prefer an asymmetric algorithm (RS256, ES256, EdDSA) so verifiers never hold the signing key.",
            ],
            references: ["RFC 7518 §3.2", "RFC 8725 §3.5"]),

        CatalogEntry(
            id: .tokenAudienceMismatch, severity: .error, audience: .user,
            title: "The token's audience or issuer is not the one this API expects",
            explanation: """
                `aud` names the recipients a token is meant for (RFC 7519 §4.1.3) and `iss` who issued it \
                (§4.1.1); a verifier must reject a token whose `aud` does not include it. A token obtained for \
                another API, another tenant or another environment is therefore refused with 401 even though \
                it is otherwise valid.
                """,
            fix: [
                """
                Request the token for this API: pass its identifier as `audience=https://api.example.com` \
                (Auth0-style) or `resource=https://api.example.com` (RFC 8707) in the token request.
                """,
                """
                Check the issuer URL configured on the client matches the one the API trusts (including tenant and \
                trailing slash).
                """,
                """
                Admin: configure the API's expected audience and issuer to match what the authorization server \
                puts in its tokens.
                """,
            ],
            references: ["RFC 7519 §4.1.3", "RFC 7519 §4.1.1", "RFC 8707 §2"]),

        CatalogEntry(
            id: .tokenNotJwt, severity: .info, audience: .user,
            title: "The bearer token is opaque: its claims cannot be read",
            explanation: """
                The token is not a JWT (not three base64url parts), so its expiry, audience and scopes cannot \
                be checked locally; only the issuer knows whether it is valid. This is normal for many OAuth \
                servers and not a problem by itself.
                """,
            fix: [
                """
                Ask the issuer: token introspection, `curl -u CLIENT_ID:CLIENT_SECRET -d token=$TOKEN \
                https://idp.example.com/oauth/introspect` returns `active`, `exp` and `scope`.
                """,
                "If introspection is not available, obtain a fresh token and compare the behaviour.",
            ],
            references: ["RFC 7662 §2", "RFC 6750 §1.2"]),

        CatalogEntry(
            id: .oauthResourceMetadataBroken, severity: .warning, audience: .admin,
            title: "The resource_metadata URL in the Bearer challenge is unreachable or invalid",
            explanation: """
                RFC 9728 lets a protected resource point clients, via `resource_metadata` in its \
                `WWW-Authenticate` challenge, at a JSON document naming its authorization servers. Clients \
                that discover OAuth this way (MCP clients, for example) fetch it to learn where to get a \
                token; if it fails to load, is not JSON, or its `resource` differs from the URL, they cannot \
                obtain a token and stay at 401. The chain goes on: the first authorization server's RFC 8414 \
                metadata (`/.well-known/oauth-authorization-server`, or OpenID Connect's \
                `/.well-known/openid-configuration`) must load, its `issuer` must equal the server's URL and the \
                tokens' `iss`, and its `jwks_uri` must publish the key (by `kid`) that signs the tokens. The \
                evidence names the step that failed. why401 fetches these public documents without credentials.
                """,
            fix: [
                #"""
                Serve `/.well-known/oauth-protected-resource` without authentication, with `Content-Type: \#
                application/json` and at least `{"resource": "https://api.example.com", "authorization_servers": \#
                ["https://auth.example.com"]}`.
                """#,
                "`resource` must equal the protected resource's identifier exactly (scheme, host, path).",
                """
                Check: `curl -s https://api.example.com/.well-known/oauth-protected-resource | jq .` and that each \
                authorization server answers `/.well-known/oauth-authorization-server` (RFC 8414).
                """,
                """
                Admin: the authorization server's metadata must say `\"issuer\"` exactly as listed in \
                `authorization_servers` (and as tokens' `iss`), and its `jwks_uri` must list the current signing \
                key's `kid`.
                """,
            ],
            references: ["RFC 9728 §5", "RFC 9728 §3", "RFC 8414 §3"]),

        CatalogEntry(
            id: .clockSkew, severity: .warning, audience: .user,
            title: "The local clock differs from the server's Date by more than 60 seconds",
            explanation: """
                Token lifetimes (`exp`, `nbf`, `iat`), signed URLs, TOTP codes and some session checks compare \
                times; with clocks minutes apart a fresh token looks expired or not yet valid, and locally \
                generated timestamps are rejected, which shows up as a 401. The server's `Date` header \
                (RFC 9110 §6.6.1) is the reference used here.
                """,
            fix: [
                "Linux: `sudo timedatectl set-ntp true` (check with `timedatectl status`).",
                "macOS: `sudo sntp -sS time.apple.com`.",
                "Windows (administrator prompt): `w32tm /resync`.",
                """
                If the server's clock is the wrong one, the admin enables NTP there (`sudo timedatectl set-ntp \
                true`).
                """,
            ],
            references: ["RFC 9110 §6.6.1", "RFC 7519 §4.1.4"]),
    ]
}
