// swift-tools-version:6.0
// why401 — finds out why an HTTP request is answered 401 and says what to change.
//
// Modules follow the one-way data flow of docs/ARCHITECTURE.md:
//   HTTPAuth (grammar + scheme maths, no I/O) → Evidence (shared model) → Diagnosis (catalog + pure
//   rules) → Report (renderers) → Why401Kit (one entry point per use case) → Why401CLI (flags → request
//   → entry point → renderer) → why401 (thin main).
//
// Platform: Linux only (built and tested on Debian with glibc). The probe, the log scanner and the
// server audit call glibc directly (getgrouplist, open/fstat/pread, fchmod, zlib), so no other
// platform is claimed. HTTPAuth, Evidence and Diagnosis make no system calls.
import PackageDescription

let package = Package(
    name: "why401",
    products: [
        .executable(name: "why401", targets: ["why401"]),
        .library(name: "HTTPAuth", targets: ["HTTPAuth", "HTTPDigest"]),
        .library(name: "Evidence", targets: ["Evidence", "CredentialModel"]),
        .library(name: "Diagnosis", targets: ["Diagnosis"]),
        // The use cases every front end calls (CLI, web page, MCP, exporter).
        .library(name: "Why401Kit", targets: ["Why401Kit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // 4.x: _CryptoExtras has SHA-512/256, which Digest's SHA-512-256 needs (not in 3.x).
        .package(url: "https://github.com/apple/swift-crypto", "4.5.2"..<"5.0.0"),
        // Probe and Lab speak HTTP on NIO directly: per-phase timings, hop-by-hop redirects and
        // byte-exact header capture need control that a higher-level client hides.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        // JWS verification (HS/RS/PS/ES/EdDSA, JWKS): cryptography from a well-kept library.
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        // `why401 serve`: the local page and JSON API on a well-kept HTTP server (routing, body limits,
        // graceful shutdown) rather than our own request parsing.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        // Hummingbird's logger type (its start-up line is silenced through it).
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // `why401 mcp`: the Model Context Protocol's own Swift SDK (stdio transport, tool schemas).
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        // `why401 exporter` and `logs --follow --metrics`: the Prometheus text exposition (label
        // escaping, HELP/TYPE lines) from swift-server's own library rather than our writer.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The exporter's YAML `--config`: nodes with their line numbers, so a config error names file:line.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // JSON string literals and HTML text, decided once for every module that writes them.
        .target(name: "TextEscaping"),
        // The auth grammar and scheme rules, no cryptography: what the shared model needs.
        .target(name: "HTTPAuth"),
        // Digest computation (HA1/HA2/response, DigestSession): the part of HTTP auth that hashes.
        .target(
            name: "HTTPDigest",
            dependencies: [
                "HTTPAuth",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        // Secrets the user holds, as values: a JWT decoded without verification, what verifying it
        // concluded, a parsed htpasswd/htdigest file and its hash formats. No cryptography, so the
        // shared model (Evidence) can hold them without linking JWTKit, swift-crypto or libxcrypt.
        .target(name: "CredentialModel", dependencies: ["HTTPAuth"]),
        // Checking those secrets: JWT signatures (JWTKit), password hashes (libxcrypt, swift-crypto).
        // The system's libxcrypt, for the crypt(3) hash formats htpasswd writes ($2y$, $5$, $6$, DES).
        .systemLibrary(name: "CCrypt", path: "Sources/CCrypt"),
        .target(
            name: "Credentials",
            dependencies: [
                "HTTPAuth", "HTTPDigest", "CredentialModel", "CCrypt", .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "Evidence", dependencies: ["HTTPAuth", "CredentialModel", "TextEscaping"]),
        .target(
            name: "Diagnosis",
            dependencies: ["HTTPAuth", "Evidence", "CredentialModel", "Credentials", "TextEscaping"]),
        // Live HTTP: the only module (with Lab) that opens sockets.
        .target(
            name: "Probe",
            dependencies: [
                "Evidence", "HTTPAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                // EmbeddedChannel: Prober.warmUp rehearses an exchange in memory (WarmUp.swift).
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        // Offline inputs: cookie jars, HAR exports, pasted curl / PowerShell / fetch command lines.
        .target(
            name: "Imports", dependencies: ["Evidence", "HTTPAuth", "Credentials", "CredentialModel", "TextEscaping"]),
        // The client-side plan: runs the steps against a live server and gathers check evidence.
        .target(
            name: "Checkup",
            dependencies: ["Probe", "Evidence", "HTTPAuth", "HTTPDigest", "Credentials", "CredentialModel"]),
        // The scenario server behind `why401 demo` and `why401 lab`.
        .target(
            name: "Lab",
            dependencies: [
                "HTTPAuth", "HTTPDigest", "TextEscaping",
                // ES256 signing for the lab's published JWKS (tokens a client verifies via discovery).
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        .target(name: "Report", dependencies: ["Diagnosis", "Evidence", "CredentialModel", "TextEscaping"]),
        // Admin side, one target per job; each reads files and produces evidence only.
        // The host underneath them all: the worker account and what it can reach (`WorkerAccess`), and
        // the journal through which any change to the server is made and undone (`ChangeJournal`).
        .target(name: "HostAccess", dependencies: ["Evidence"]),
        // Apache/nginx configuration reading and audit (includes, sections, .htaccess, user files).
        .target(
            name: "ServerConfig",
            dependencies: ["HostAccess", "Evidence", "Credentials", "CredentialModel", "HTTPAuth"]),
        // The web-root permissions walk as the worker; with --apply, mode changes through the journal.
        .target(name: "WebRootWalk", dependencies: ["HostAccess", "Evidence"]),
        // WordPress reading (plugins, .htaccess, application passwords) and the journaled plugin bisect.
        .target(name: "WordPressAudit", dependencies: ["HostAccess", "Evidence"]),
        // zlib from the system, for rotated `.gz` access logs.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Access/error log scanning: byte-level, chunked across cores, gz through zlib; produces a LogSummary.
        // header-only: a prefetch hint Swift has no intrinsic for (see its header)
        .target(name: "CPrefetch"),
        .target(name: "LogScan", dependencies: ["Evidence", "HTTPAuth", "CZlib", "CPrefetch"]),
        // The library entry points: one per use case, request value in, result value out. Every front
        // end is a thin caller of these (see Sources/Why401Kit/UseCase.swift).
        .target(
            name: "Why401Kit",
            dependencies: [
                "HTTPAuth", "Credentials", "CredentialModel", "Evidence", "Diagnosis", "Report", "Checkup", "Probe",
                "Lab", "Imports",
                "HostAccess", "ServerConfig", "WebRootWalk", "WordPressAudit", "LogScan",
            ]),
        // Flags → request → `UseCase` call → renderer; nothing else.
        .target(
            name: "Why401CLI",
            dependencies: [
                "Why401Kit", "HTTPAuth", "Credentials", "CredentialModel", "Evidence", "Diagnosis", "Report", "Checkup",
                "Probe", "Lab",
                "Imports", "Why401Serve", "Why401MCP", "Why401Exporter", "LogScan",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // `why401 serve`: one local page and the JSON API of the front-end contract, over Why401Kit.
        .target(
            name: "Why401Serve",
            dependencies: [
                "Why401Kit", "Report", "Diagnosis", "HTTPAuth", "Checkup",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ]),
        // `why401 mcp`: the diagnosis as MCP tools on stdio, over Why401Kit.
        .target(
            name: "Why401MCP",
            dependencies: [
                "Why401Kit", "Report", "Diagnosis", "HTTPAuth", "Checkup", "Evidence",
                .product(name: "MCP", package: "swift-sdk"),
            ]),
        // `why401 exporter` (Prometheus multi-target probes) and the metrics endpoint of
        // `logs --follow --metrics`, over Why401Kit and LogScan's follower.
        .target(
            name: "Why401Exporter",
            dependencies: [
                "Why401Kit", "Report", "Diagnosis", "Evidence", "HTTPAuth", "Checkup", "Probe", "LogScan",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "why401", dependencies: ["Why401CLI"],
            // Start-up (Benchmarks/README.md): lld packs the binary's ~150 000 relative relocations into DT_RELR,
            // which the dynamic loader applies in a fraction of the time of RELA entries (glibc ≥ 2.36).
            linkerSettings: [
                .unsafeFlags(
                    ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                    .when(platforms: [.linux], configuration: .release))
            ]),
        // libFuzzer targets for every parser (Fuzz/README.md): `why401-fuzz TARGET` runs one; built with
        // `-sanitize=fuzzer,address` by Fuzz/run.sh. CFuzzDriver declares libFuzzer's LLVMFuzzerRunDriver with a
        // weak fallback that replays the inputs named, so a plain build links and replays corpora and crashes.
        .target(name: "CFuzzDriver"),
        .target(
            name: "FuzzTargets",
            dependencies: [
                "HTTPAuth", "CredentialModel", "Credentials", "Evidence", "Imports", "LogScan", "ServerConfig",
                "WordPressAudit",
            ]),
        .executableTarget(name: "why401-fuzz", dependencies: ["FuzzTargets", "CFuzzDriver"]),
        // Test-only support: starts real Apache httpd / nginx on loopback from configs in a temp dir.
        .target(name: "TestSupport", dependencies: ["Diagnosis"], path: "Tests/TestSupport"),
        .testTarget(
            name: "HTTPAuthTests",
            dependencies: ["HTTPAuth", "HTTPDigest", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "DiagnosisTests",
            dependencies: ["Diagnosis", "HTTPAuth", "Evidence", "Credentials", "CredentialModel", "TestSupport"]),
        .testTarget(
            name: "CredentialsTests",
            dependencies: [
                "Credentials", "CredentialModel", "HTTPAuth", "TestSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
            ]),
        .testTarget(
            name: "ReportTests", dependencies: ["Report", "Diagnosis", "Evidence", "TextEscaping", "TestSupport"]),
        .testTarget(
            name: "CLITests", dependencies: ["Why401CLI", "Report", "Diagnosis", "Evidence", "Lab", "TestSupport"]),
        .testTarget(name: "RealServerTests", dependencies: ["TestSupport"]),
        .testTarget(
            name: "ProbeTests",
            dependencies: [
                "Probe", "Evidence", "HTTPAuth", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ]),
        .testTarget(name: "LabTests", dependencies: ["Lab", "HTTPAuth", "HTTPDigest", "TestSupport"]),
        .testTarget(
            name: "ImportsTests",
            dependencies: [
                "Imports", "Evidence", "Diagnosis", "Report", "HTTPAuth", "Credentials", "CredentialModel",
                "TestSupport",
            ],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "ServerAuditTests",
            dependencies: [
                "HostAccess", "ServerConfig", "WebRootWalk", "WordPressAudit", "Why401Kit", "Diagnosis", "Evidence",
                "Credentials", "CredentialModel", "Report", "TestSupport",
            ]),
        .testTarget(name: "LogScanTests", dependencies: ["LogScan", "Diagnosis", "Evidence", "Report", "TestSupport"]),
        .testTarget(
            name: "ExporterTests",
            dependencies: ["Why401Exporter", "Why401Kit", "LogScan", "Diagnosis", "Evidence", "Lab", "TestSupport"]),
        .testTarget(
            name: "CheckupTests",
            dependencies: [
                "Checkup", "Diagnosis", "Evidence", "HTTPAuth", "HTTPDigest", "Probe", "Lab", "TestSupport",
            ]),
        // Every seed and crash input under Fuzz/ replayed through its fuzz target.
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"]),
        // The DocC articles' examples, compiled and run as another package would: public API only.
        .testTarget(name: "LibraryUseTests", dependencies: ["HTTPAuth", "Evidence", "Diagnosis"]),
    ]
)
