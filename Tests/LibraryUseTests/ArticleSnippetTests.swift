import Foundation
import Testing

/// Keeps the DocC articles' "Using it from another package" sections honest: the Swift example in
/// each article must be, line for line, the code that the matching `*ArticleTests` test compiles and
/// runs (with the same imports and nothing `@testable`), and every product its `Package.swift`
/// excerpt names must be a library product of this package. Editing an article without its test, or
/// the test without the article, fails here.
@Suite struct ArticleSnippetTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Article (relative to the package root) → the test file that runs its example.
    static let articles: [(article: String, test: String)] = [
        ("Sources/HTTPAuth/HTTPAuth.docc/HTTPAuth.md", "Tests/LibraryUseTests/HTTPAuthArticleTests.swift"),
        ("Sources/Evidence/Evidence.docc/Evidence.md", "Tests/LibraryUseTests/EvidenceArticleTests.swift"),
        ("Sources/Diagnosis/Diagnosis.docc/Diagnosis.md", "Tests/LibraryUseTests/DiagnosisArticleTests.swift"),
    ]

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: packageRoot.appendingPathComponent(relativePath), encoding: .utf8)
    }

    /// The contents of every ```swift fenced block, in order.
    static func swiftBlocks(_ markdown: String) -> [[String]] {
        var blocks: [[String]] = []
        var current: [String]?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if current == nil, line == "```swift" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!)
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    static func imports(_ lines: [String]) -> Set<String> {
        Set(lines.filter { $0.hasPrefix("import ") && $0 != "import Testing" && $0 != "import Foundation" })
    }

    @Test(arguments: articles.map(\.article))
    func exampleIsTheTestedCode(_ article: String) throws {
        let test = try #require(Self.articles.first { $0.article == article }?.test)
        let blocks = Self.swiftBlocks(try Self.read(article))
        let example = try #require(blocks.first { $0.first?.hasPrefix("import ") == true }, "\(article) has no example")
        let testLines = try Self.read(test).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)

        #expect(Self.imports(example) == Self.imports(testLines), "\(test) must import exactly what \(article) imports")
        #expect(!testLines.contains { $0.hasPrefix("@testable") }, "\(test) must use the public API only")

        let body = Array(example.drop { $0.hasPrefix("import ") || $0.isEmpty })
        #expect(!body.isEmpty)
        let indented = body.map { $0.isEmpty ? "" : "        " + $0 }
        let found = testLines.indices.contains { start in
            start + indented.count <= testLines.count && Array(testLines[start..<start + indented.count]) == indented
        }
        #expect(found, "the example of \(article) is not, line for line, in \(test)")
    }

    @Test(arguments: articles.map(\.article))
    func packageExcerptNamesRealProducts(_ article: String) throws {
        let manifest = try Self.read("Package.swift")
        let blocks = Self.swiftBlocks(try Self.read(article))
        let excerpt = try #require(
            blocks.first { $0.contains { $0.contains(".package(") } }, "\(article) has no Package.swift excerpt")
        let named = excerpt.joined(separator: "\n").matches(of: /\.product\(name: "([^"]+)", package: "why401"\)/)
            .map { String($0.output.1) }
        #expect(!named.isEmpty)
        for product in named {
            #expect(manifest.contains(".library(name: \"\(product)\""), "\(article) names product \(product)")
        }
    }
}
