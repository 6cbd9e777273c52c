// libFuzzer targets for every parser that reads outside input (issue #17): `why401-fuzz TARGET`
// runs one under libFuzzer, `FuzzRegressionTests` replays the seed corpora and the crash inputs of
// `Fuzz/` through them. Each target only parses (no network; `logscan-chunks` writes one temp file on
// /dev/shm) and checks, where cheap, invariants a parse must keep: an invariant that fails is a crash
// (`FuzzCheck.require`), which libFuzzer saves and minimises like any other.
//
// The targets reach internal parsers through `@testable import`, which only debug builds allow
// (SwiftPM compiles them with `-enable-testing`); a release build of the package has no targets.

/// The registry: the target's name (`why401-fuzz NAME`, `Fuzz/corpus/NAME/`) → the function that
/// takes one input.
public enum FuzzTargets {
    #if DEBUG
        public static let all: [String: @Sendable ([UInt8]) -> Void] = [
            "challenge": AuthTargets.challenge,
            "credentials": AuthTargets.credentials,
            "challenge-roundtrip": AuthTargets.challengeRoundTrip,
            "access-combined": LogTargets.accessCombined,
            "access-json": LogTargets.accessJSON,
            "access-custom": LogTargets.accessCustom,
            "logscan-chunks": LogTargets.chunks,
            "error-log": LogTargets.errorLog,
            "htpasswd": CredentialTargets.htpasswd,
            "jwt": CredentialTargets.jwt,
            "cookie-jar": ImportTargets.cookieJar,
            "har": ImportTargets.har,
            "curl": ImportTargets.curl,
            "apache-config": ServerTargets.apacheConfig,
            "nginx-config": ServerTargets.nginxConfig,
            "wordpress-plugin-header": ServerTargets.wordPressPluginHeader,
        ]
    #else
        /// Release builds: the targets need `@testable import`, which only debug builds allow.
        public static let all: [String: @Sendable ([UInt8]) -> Void] = [:]
    #endif

    /// Target names in a stable order (usage text, tests).
    public static var names: [String] { all.keys.sorted() }
}

/// How a target reports a broken invariant: a trap, so libFuzzer keeps the input as a crash.
enum FuzzCheck {
    static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
        line: UInt = #line
    ) {
        if !condition() { fatalError("fuzz invariant broken: \(message())", file: file, line: line) }
    }
}

extension Array where Element == UInt8 {
    /// The input as text the way the CLI reads a file: UTF-8, ill-formed bytes as U+FFFD.
    var lossyText: String { String(decoding: self, as: UTF8.self) }

    /// Lines split at LF (a CR before it kept), the way the log and file readers split them.
    var lines: [ArraySlice<UInt8>] { split(separator: 0x0A, omittingEmptySubsequences: false) }
}
