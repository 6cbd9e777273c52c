import Evidence
import Foundation
import HostAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a WordPress install from disk: detection, plugin headers, `.htaccess`, the places that
/// switch application passwords off. Reads only regular files, each at most `fileLimit` bytes
/// (headers: the first 8 KiB, as WordPress's own `get_file_data` does), so binary junk, FIFOs and
/// huge files cannot hang or exhaust it; invalid UTF-8 is decoded with replacement characters.
public enum WordPressReader {
    public struct NotWordPress: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Suffix given to a deactivated plugin folder by `--bisect` (`wordfence.why401-off`).
    public static let disabledSuffix = WordPressFacts.disabledSuffix
    static let headerBytes = 8 * 1024
    static let fileLimit = 1 << 20
    static let pluginLimit = 5_000
    static let phpFilesPerPlugin = 200

    /// Throws `NotWordPress` unless `directory` has `wp-includes/version.php` and a `wp-config.php`
    /// (in it or, as WordPress allows, one level up).
    public static func inspect(_ directory: String, wpCLI: WordPressCLI? = WordPressCLI.find()) throws -> WordPressFacts
    {
        // Absolute: the journal of a bisect must still name the folders when --undo runs elsewhere.
        let dir = WorkerAccess.absolutePath(directory)
        guard isDirectory(dir) else { throw NotWordPress(description: "\(directory) is not a directory") }
        guard isRegularFile(dir + "/wp-includes/version.php") else {
            throw NotWordPress(description: "\(directory) is not a WordPress installation (no wp-includes/version.php)")
        }
        let parent = dir.split(separator: "/").dropLast().joined(separator: "/")
        guard isRegularFile(dir + "/wp-config.php") || isRegularFile("/" + parent + "/wp-config.php") else {
            throw NotWordPress(
                description:
                    "\(directory) is not a configured WordPress installation (no wp-config.php here or one level up)")
        }
        var facts = WordPressFacts(directory: dir)
        facts.version = readText(dir + "/wp-includes/version.php", limit: 64 * 1024).flatMap(version(in:))
        facts.plugins = plugins(in: dir + "/wp-content/plugins")
        facts.muPlugins = phpFiles(in: dir + "/wp-content/mu-plugins").map {
            $0.split(separator: "/").last.map(String.init) ?? $0
        }
        facts.htaccess = htaccess(dir + "/.htaccess")
        facts.applicationPasswordsDisabled = applicationPasswordSwitches(dir, plugins: facts.plugins)

        if let wpCLI {
            switch wpCLI.activePlugins(directory: dir) {
            case .success(let active):
                facts.activeSource = .wpCLI
                for index in facts.plugins.indices {
                    let slug =
                        facts.plugins[index].folder.hasSuffix(".php")
                        ? String(facts.plugins[index].folder.dropLast(4)) : facts.plugins[index].folder
                    facts.plugins[index].active = active.contains(slug)
                }
            case .failure(let error):
                facts.activeSource = .assumedAll("WP-CLI failed: \(error.description)")
            }
        } else {
            facts.activeSource = .assumedAll("WP-CLI (`wp`) is not installed")
        }
        return facts
    }

    // MARK: - Version

    /// `$wp_version = '6.6.2';`
    static func version(in text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) where line.contains("$wp_version") {
            let parts = line.split(separator: "'", omittingEmptySubsequences: false)
            if parts.count >= 3 { return String(parts[1]) }
            let quoted = line.split(separator: "\"", omittingEmptySubsequences: false)
            if quoted.count >= 3 { return String(quoted[1]) }
        }
        return nil
    }

    // MARK: - Plugins

    /// Plugins as WordPress finds them: each folder's top-level `.php` files and the loose `.php`
    /// files of the plugins directory, keeping those whose header has `Plugin Name:`.
    public static func plugins(in pluginsDirectory: String) -> [WordPressPlugin] {
        var out: [WordPressPlugin] = []
        // A folder renamed by a bisect is deactivated, not another plugin.
        for name in listDirectory(pluginsDirectory).prefix(pluginLimit)
        where !name.hasPrefix(".") && !name.hasSuffix(disabledSuffix) {
            let path = pluginsDirectory + "/" + name
            if isDirectory(path) {
                for file in phpFiles(in: path).prefix(phpFilesPerPlugin) {
                    guard let text = readText(file, limit: headerBytes), let headers = pluginHeaders(text) else {
                        continue
                    }
                    let main = name + "/" + (file.split(separator: "/").last.map(String.init) ?? "")
                    out.append(plugin(folder: name, mainFile: main, headers: headers))
                    break
                }
            } else if name.hasSuffix(".php"), let text = readText(path, limit: headerBytes),
                let headers = pluginHeaders(text)
            {
                out.append(plugin(folder: name, mainFile: name, headers: headers))
            }
        }
        return out
    }

    /// Folders left renamed by an interrupted bisect (`X.why401-off`).
    public static func leftovers(in pluginsDirectory: String) -> [String] {
        listDirectory(pluginsDirectory).filter { $0.hasSuffix(disabledSuffix) }
    }

    private static func plugin(folder: String, mainFile: String, headers: [String: String]) -> WordPressPlugin {
        let name = headers["plugin name"] ?? folder
        return WordPressPlugin(
            folder: folder, mainFile: mainFile, name: name, version: headers["version"],
            known: WordPressKnownPlugins.match(
                folder: folder.hasSuffix(".php") ? String(folder.dropLast(4)) : folder, name: name))
    }

    /// The header fields of a plugin's main file (`Plugin Name`, `Version`, …), keys lower-cased;
    /// nil without `Plugin Name`. Same leniency as WordPress: any of ` \t/*#@` before the key.
    public static func pluginHeaders(_ text: String) -> [String: String]? {
        var headers: [String: String] = [:]
        let keys = ["plugin name", "version", "description", "author", "text domain", "requires at least"]
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var line = Substring(rawLine)
            if line.hasPrefix("<?php") { line = line.dropFirst(5) }
            line = line.drop { " \t/*#@".contains($0) }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].lowercased().trimmingCharacters(" \t")
            guard keys.contains(key), headers[key] == nil else { continue }
            var value = String(line[line.index(after: colon)...])
            if let end = value.range(of: "*/") { value = String(value[..<end.lowerBound]) }
            value = value.trimmingCharacters(" \t")
            if !value.isEmpty { headers[key] = String(value.prefix(200)) }
        }
        return headers["plugin name"] == nil ? nil : headers
    }

    // MARK: - .htaccess

    public static func htaccess(_ path: String) -> WordPressFacts.HtaccessState {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .missing }
        guard let text = readText(path, limit: fileLimit) else {
            return .unreadable(st.st_mode & S_IFMT == S_IFREG ? "cannot read it" : "not a regular file")
        }
        var lines: [String] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(" \t")
            if line.hasPrefix("#") { continue }
            let lower = line.lowercased()
            let passes =
                (lower.contains("http_authorization")
                    && (lower.hasPrefix("rewriterule") || lower.hasPrefix("setenvif")
                        || lower.hasPrefix("setenvifnocase") || lower.hasPrefix("setenv ")))
                || (lower.hasPrefix("cgipassauth") && lower.hasSuffix("on"))
            if passes { lines.append(String(line.prefix(200))) }
        }
        return .present(passThrough: lines)
    }

    // MARK: - Application passwords

    /// Statements that return false from `wp_is_application_passwords_available(_for_user)`, in
    /// wp-config.php, must-use plugins, theme functions.php files and plugins' top-level PHP files.
    static func applicationPasswordSwitches(_ dir: String, plugins: [WordPressPlugin]) -> [CodeLocation] {
        var files = [dir + "/wp-config.php"]
        files += phpFiles(in: dir + "/wp-content/mu-plugins")
        for theme in listDirectory(dir + "/wp-content/themes").prefix(200) {
            files.append(dir + "/wp-content/themes/" + theme + "/functions.php")
        }
        for plugin in plugins {
            let path = dir + "/wp-content/plugins/" + plugin.folder
            files += isDirectory(path) ? Array(phpFiles(in: path).prefix(phpFilesPerPlugin)) : [path]
        }
        var out: [CodeLocation] = []
        for file in files {
            guard let text = readText(file, limit: fileLimit), text.contains("wp_is_application_passwords_available")
            else { continue }
            let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            for (index, line) in lines.enumerated() where line.contains("wp_is_application_passwords_available") {
                let trimmed = line.trimmingCharacters(" \t")
                if trimmed.hasPrefix("//") || trimmed.hasPrefix("#") || trimmed.hasPrefix("*")
                    || trimmed.hasPrefix("/*")
                {
                    continue
                }
                // The statement may continue on the next lines (a closure returning false).
                let statement = lines[index..<min(lines.count, index + 4)].joined(separator: " ").lowercased()
                guard trimmed.lowercased().contains("add_filter"),
                    statement.contains("__return_false") || statement.contains("return false")
                else { continue }
                out.append(
                    CodeLocation(
                        file: String(file.dropFirst(dir.count + 1)), line: index + 1, text: String(trimmed.prefix(200)))
                )
            }
        }
        return out
    }

    // MARK: - Bounded file access

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
    }

    /// Entry names, sorted; empty when the directory cannot be opened.
    static func listDirectory(_ path: String) -> [String] { DirectoryListing.names(path) ?? [] }

    /// Top-level `*.php` regular files of a directory, sorted.
    static func phpFiles(in directory: String) -> [String] {
        listDirectory(directory).filter { $0.lowercased().hasSuffix(".php") }.map { directory + "/" + $0 }.filter(
            isRegularFile)
    }

    /// The first `limit` bytes of a regular file as text (lossy UTF-8); nil for anything else.
    static func readText(_ path: String, limit: Int) -> String? {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        var bytes = [UInt8](repeating: 0, count: min(limit, max(0, Int(st.st_size))))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            filled += n
        }
        return String(decoding: bytes[0..<filled], as: UTF8.self)
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(_ set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
