// User files made with the real tools: htpasswd (apache2-utils) for Basic, md5sum for htdigest lines.
import Foundation

public enum Htpasswd {
    /// Hash formats of `htpasswd` 2.4 and the flag that selects each.
    public enum Format: String, Sendable, CaseIterable {
        case md5 = "-m"  // $apr1$
        case bcrypt = "-B"  // $2y$
        case sha1 = "-s"  // {SHA}
        case crypt = "-d"  // DES crypt (only 8 characters count)
        case sha256 = "-2"  // $5$ (SHA-256 crypt)
        case sha512 = "-5"  // $6$ (SHA-512 crypt)
        case plain = "-p"  // plain text (servers on Linux never match it)

        public var flag: String { rawValue }
    }

    /// Adds or replaces `user` in `file` with the real `htpasswd -b` (`-c` when the file does not
    /// exist yet). Returns the line written for the user.
    @discardableResult
    public static func create(file: String, user: String, password: String, format: Format = .bcrypt) throws -> String {
        guard let tool = RealServers.htpasswdPath else {
            throw RealServerError.unavailable("htpasswd not installed; \(RealServers.installHint)")
        }
        var args = ["-b"]
        if !FileManager.default.fileExists(atPath: file) { args.append("-c") }
        args += [format.flag, file, user, password]
        let r = try ProcessRunner.run(tool, args, timeout: 30)
        guard r.status == 0 else {
            throw RealServerError.toolFailed("htpasswd \(args.dropLast().joined(separator: " ")) *** failed: \(r)")
        }
        let contents = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return contents.split(separator: "\n").map(String.init).last { $0.hasPrefix(user + ":") } ?? ""
    }

    /// `htpasswd -vb FILE USER PASSWORD`: 0 match, 3 mismatch, 6 no such user, 1 file problem.
    public static func verify(file: String, user: String, password: String) throws -> Int32 {
        guard let tool = RealServers.htpasswdPath else {
            throw RealServerError.unavailable("htpasswd not installed; \(RealServers.installHint)")
        }
        return try ProcessRunner.run(tool, ["-vb", file, user, password], timeout: 30).status
    }
}

public enum Htdigest {
    /// `user:realm:md5hex(user:realm:password)` — one line of an htdigest file (without newline).
    /// `htdigest` itself has no batch mode, so the hash comes from `md5sum`.
    public static func line(user: String, realm: String, password: String) throws -> String {
        "\(user):\(realm):\(try md5Hex("\(user):\(realm):\(password)"))"
    }

    /// Appends `line(user:realm:password:)` to `file` (creating it). Returns the line.
    @discardableResult
    public static func append(file: String, user: String, realm: String, password: String) throws -> String {
        let l = try line(user: user, realm: realm, password: password)
        if let h = FileHandle(forWritingAtPath: file) {
            defer { try? h.close() }
            h.seekToEndOfFile()
            h.write(Data((l + "\n").utf8))
        } else {
            try (l + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        }
        return l
    }

    /// Hex MD5 of the UTF-8 bytes of `text`, by `md5sum`.
    public static func md5Hex(_ text: String) throws -> String {
        let tool = ProcessRunner.which("md5sum") ?? "/usr/bin/md5sum"
        let r = try ProcessRunner.run(tool, [], stdin: text, timeout: 30)
        guard r.status == 0, let hex = r.stdout.split(separator: " ").first, hex.count == 32 else {
            throw RealServerError.toolFailed("md5sum failed: \(r)")
        }
        return String(hex)
    }
}
