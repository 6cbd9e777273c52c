extension StringProtocol {
    /// Without leading and trailing spaces and tabs — HTTP's optional whitespace (RFC 9110 §5.6.3),
    /// the only whitespace header values, cookies and parameters may be padded with.
    public var trimmingOWS: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
