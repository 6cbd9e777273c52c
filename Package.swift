// swift-tools-version:6.0
// why401 — finds out why an HTTP request is answered 401 and says what to change.
//
// Modules follow the one-way data flow in DESIGN.md:
//   HTTPAuth (grammar + scheme maths, no I/O) → Evidence (shared model) → Diagnosis (catalog + pure
//   rules) → Report (renderers) → Why401CLI (the only module that knows everything) → why401 (thin main).
import PackageDescription

let package = Package(
    name: "why401",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "why401", targets: ["why401"]),
        .library(name: "HTTPAuth", targets: ["HTTPAuth"]),
        .library(name: "Diagnosis", targets: ["Diagnosis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // 4.x: _CryptoExtras has SHA-512/256, which Digest's SHA-512-256 needs (not in 3.x).
        .package(url: "https://github.com/apple/swift-crypto", "4.5.2"..<"5.0.0"),
    ],
    targets: [
        .target(
            name: "HTTPAuth",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        .target(name: "Evidence", dependencies: ["HTTPAuth"]),
        .target(name: "Diagnosis", dependencies: ["HTTPAuth", "Evidence"]),
        .target(name: "Report", dependencies: ["Diagnosis", "Evidence"]),
        .target(
            name: "Why401CLI",
            dependencies: [
                "HTTPAuth", "Evidence", "Diagnosis", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(name: "why401", dependencies: ["Why401CLI"]),
        // Test-only support: starts real Apache httpd / nginx on loopback from configs in a temp dir.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "HTTPAuthTests",
            dependencies: ["HTTPAuth", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "DiagnosisTests", dependencies: ["Diagnosis", "HTTPAuth", "Evidence"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Diagnosis", "Evidence", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["Why401CLI", "Report", "Diagnosis", "Evidence", "TestSupport"]),
        .testTarget(name: "RealServerTests", dependencies: ["TestSupport"]),
    ]
)
