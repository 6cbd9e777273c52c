import Diagnosis
import TestSupport

/// Tests compare finding ids with the contract's own strings (`"token.expired"`), as a JSON consumer
/// would; library code cannot, because only the test targets see this conformance.
extension FindingID: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }
}
