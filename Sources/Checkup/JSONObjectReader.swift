import CredentialModel
import FoundationEssentials

/// Reads a JSON object (OAuth metadata) into the generic tree the token code already uses.
enum JSONObjectReader {
    static func read(_ bytes: [UInt8]) throws -> [String: JSONScalarTree] {
        try JSONDecoder().decode([String: JSONScalarTree].self, from: Data(bytes))
    }
}
