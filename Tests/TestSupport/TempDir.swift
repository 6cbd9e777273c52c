// TempDirectory: a fresh directory under the system temp dir, removed on remove()/deinit.
import Foundation

public final class TempDirectory: @unchecked Sendable {
    public let path: String
    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }
    private let lock = NSLock()
    private var removed = false

    /// Creates `<tmp>/<prefix>.<random>`. `mode` defaults to 0755 so that a server worker running as
    /// www-data can traverse it (mkdtemp would give 0700).
    public init(prefix: String = "why401-test", mode: Int = 0o755) throws {
        let base = NSTemporaryDirectory()
        let dir = (base as NSString).appendingPathComponent("\(prefix).\(UUID().uuidString.prefix(12))")
        try FileManager.default.createDirectory(
            atPath: dir, withIntermediateDirectories: true,
            attributes: [.posixPermissions: mode])
        // Resolve symlinks (macOS /var → /private/var) so configs see the real path.
        path = (dir as NSString).resolvingSymlinksInPath
    }

    /// Absolute path of `relative` inside this directory.
    public func path(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }

    /// Writes `contents` at `relative`, creating parent directories (mode 0755). Returns the absolute path.
    @discardableResult
    public func write(_ relative: String, _ contents: String, mode: Int = 0o644) throws -> String {
        try write(relative, Data(contents.utf8), mode: mode)
    }

    @discardableResult
    public func write(_ relative: String, _ data: Data, mode: Int = 0o644) throws -> String {
        let full = path(relative)
        try makeDirectory((relative as NSString).deletingLastPathComponent)
        try data.write(to: URL(fileURLWithPath: full))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
        return full
    }

    /// Creates `relative` (and parents) with `mode`. Returns the absolute path.
    @discardableResult
    public func makeDirectory(_ relative: String, mode: Int = 0o755) throws -> String {
        let full = relative.isEmpty ? path : path(relative)
        try FileManager.default.createDirectory(
            atPath: full, withIntermediateDirectories: true,
            attributes: [.posixPermissions: mode])
        return full
    }

    /// Removes the directory tree; idempotent.
    public func remove() {
        let doIt = lock.withLock { () -> Bool in
            if removed { return false }
            removed = true
            return true
        }
        if doIt { try? FileManager.default.removeItem(atPath: path) }
    }

    deinit { remove() }
}
