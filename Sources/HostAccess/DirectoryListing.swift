#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Directory entries by name, read with `readdir`.
///
/// Why not `entry.pointee.d_name`: that copies the whole 256-byte array out of the `dirent`, but the
/// record `readdir` hands back is only as long as its own name (`d_reclen`), so the copy reads past the
/// end of the C library's buffer (the address sanitizer reports it). The name is read in place instead,
/// up to its terminating NUL.
public enum DirectoryListing {
    /// The entry's name, read in place from the record.
    public static func name(of entry: UnsafeMutablePointer<dirent>) -> String {
        let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 0
        return String(cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
    }

    /// The names in `directory` without `.` and `..`, sorted; nil when it cannot be opened.
    public static func names(_ directory: String) -> [String]? {
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = Self.name(of: entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
