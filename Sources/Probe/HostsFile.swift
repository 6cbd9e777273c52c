/// A pure parser of /etc/hosts text.
///
/// Why: a 401 that differs by machine is often a hosts-file override sending the name to another
/// server. The plan compares what DNS says with what this file says; parsing is kept pure so it is
/// tested without touching the real file.
public struct HostsFile: Sendable, Hashable {
    /// (address, lowercased names) per line, in file order.
    public private(set) var entries: [(address: String, names: [String])]

    public init(text: String) {
        var entries: [(address: String, names: [String])] = []
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2 else { continue }
            var address = String(fields[0])
            // An IPv6 zone ("fe80::1%eth0") is kept; only obviously non-address words are skipped.
            guard address.contains(".") || address.contains(":") else { continue }
            if address.hasPrefix("[") && address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
            entries.append((address, fields.dropFirst().map { $0.lowercased() }))
        }
        self.entries = entries
    }

    /// Reads and parses a hosts file; nil when it cannot be read.
    public static func load(path: String = "/etc/hosts") -> HostsFile? {
        guard let text = readSmallFile(path, limit: 4 * 1024 * 1024) else { return nil }
        return HostsFile(text: text)
    }

    /// Addresses listed for `host` (canonical name or alias, case-insensitive), in file order,
    /// deduplicated. A trailing dot on the query is ignored (`example.com.`).
    public func addresses(for host: String) -> [String] {
        var wanted = host.lowercased()
        if wanted.hasSuffix(".") { wanted.removeLast() }
        var seen = Set<String>()
        var out: [String] = []
        for entry in entries where entry.names.contains(where: { $0 == wanted || $0 == wanted + "." }) {
            if seen.insert(entry.address).inserted { out.append(entry.address) }
        }
        return out
    }

    public static func == (lhs: HostsFile, rhs: HostsFile) -> Bool {
        lhs.entries.elementsEqual(rhs.entries, by: { $0.address == $1.address && $0.names == $1.names })
    }

    public func hash(into hasher: inout Hasher) {
        for e in entries {
            hasher.combine(e.address)
            hasher.combine(e.names)
        }
    }
}
