import Foundation
import HostAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// WP-CLI, when installed: the only reliable source of the *active* plugin list without a database
/// connection (`wp plugin list --status=active --field=name`). Run with a timeout, output bounded.
public struct WordPressCLI: Sendable {
    public var executable: String
    public var timeout: Double = 30

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public init(executable: String) {
        self.executable = executable
    }

    /// `wp` on PATH, or nil.
    public static func find() -> WordPressCLI? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where access(directory + "/wp", X_OK) == 0 {
            return WordPressCLI(executable: directory + "/wp")
        }
        return nil
    }

    /// Slugs of the active plugins (folder name, or file name without `.php`).
    public func activePlugins(directory: String) -> Result<Set<String>, Failure> {
        var arguments = [
            "plugin", "list", "--status=active", "--field=name", "--path=\(directory)", "--skip-themes",
            "--skip-plugins",
        ]
        if geteuid() == 0 { arguments.append("--allow-root") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            return .failure(Failure(description: "cannot run \(executable): \(error.localizedDescription)"))
        }
        let deadline = Date().addingTimeInterval(timeout)
        // A hanging `wp` (database down, PHP waiting) must not hang why401: end it at the deadline.
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { process.terminate() } }
        var data = Data()
        let handle = output.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            if data.count < 1 << 20 { data.append(chunk) }
            if Date() > deadline { break }
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return .failure(Failure(description: "`wp plugin list` exited with \(process.terminationStatus)"))
        }
        let names = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        return .success(Set(names.filter { !$0.isEmpty }))
    }
}
