// Every seed of Fuzz/corpus/TARGET/ and every crash input kept in Fuzz/regressions/TARGET/ runs through
// its target in the ordinary test run: a parser fix that regresses traps here (a target traps on a
// broken invariant), without libFuzzer or sanitizers.
import Foundation
import FuzzTargets
import Testing

@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// Regular files below `directory` (none when it does not exist), in name order.
    static func files(_ directory: URL) -> [URL] {
        guard
            let enumerator = FileManager.default.enumerator(
                at: directory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        return enumerator.compactMap { $0 as? URL }
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.path < $1.path }
    }

    static func inputs(_ kind: String, _ target: String) -> [URL] {
        files(fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target))
    }

    @Test("every registered target has a seed corpus", arguments: FuzzTargets.names)
    func hasSeeds(target: String) {
        #expect(!Self.inputs("corpus", target).isEmpty, "Fuzz/corpus/\(target)/ is empty or missing")
    }

    @Test("every corpus and regression directory names a registered target")
    func noStrayDirectories() throws {
        for kind in ["corpus", "regressions"] {
            let directory = Self.fuzzDirectory.appendingPathComponent(kind)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for name in names where !name.hasPrefix(".") {
                #expect(FuzzTargets.all[name] != nil, "Fuzz/\(kind)/\(name) is not a fuzz target")
            }
        }
    }

    @Test("seeds and crash inputs run through their target", arguments: FuzzTargets.names)
    func replay(target: String) throws {
        let run = try #require(FuzzTargets.all[target])
        for url in Self.inputs("regressions", target) + Self.inputs("corpus", target) {
            run(Array(try Data(contentsOf: url)))
        }
    }
}
