import HTTPAuth

/// `challenge`, `credentials`, `challenge-roundtrip`: the RFC 9110 §11 scanner and what reads its
/// results (Basic, Bearer, Digest, secret masking).
enum AuthTargets {
    // MARK: challenge

    /// WWW-Authenticate values as raw bytes: the whole input as one field, and each line as one of
    /// several field lines of the same header.
    static func challenge(_ data: [UInt8]) {
        let single = ChallengeParser.parse(bytes: data)
        checkOffsets(single, fieldLengths: [data.count])
        inspect(single.challenges)
        _ = ChallengeParser.displayText(data)

        let fields = data.lines.map { Array($0) }
        let multi = ChallengeParser.parse(fieldBytes: fields)
        checkOffsets(multi, fieldLengths: fields.map(\.count))
        inspect(multi.challenges)

        // Valid UTF-8 read as a String and as bytes must agree, deviations included.
        if let text = String(validating: data, as: UTF8.self) {
            let fromText = ChallengeParser.parse(text)
            FuzzCheck.require(fromText == single, "parse(String) and parse(bytes:) disagree on valid UTF-8")
            FuzzCheck.require(
                (try? ChallengeParser.parseStrict(text)) != nil || !fromText.isStrictlyValid,
                "parseStrict throws although the lenient parse has no deviation")
            let info = AuthenticationInfoParser.parse(text)
            for deviation in info.deviations {
                FuzzCheck.require(
                    deviation.offset >= 0 && deviation.offset <= data.count, "Authentication-Info offset out of range")
            }
        }
    }

    /// Offsets count bytes of the field line named by `fieldIndex`; the scanner's iteration cap (a
    /// safety net "unreachable by construction") is never reached.
    static func checkOffsets(_ result: ChallengeParseResult, fieldLengths: [Int]) {
        let lines = max(fieldLengths.count, 1)
        for deviation in result.deviations {
            FuzzCheck.require(
                deviation.fieldIndex >= 0 && deviation.fieldIndex < lines, "deviation field index out of range")
            let length = fieldLengths.isEmpty ? 0 : fieldLengths[deviation.fieldIndex]
            FuzzCheck.require(
                deviation.offset >= 0 && deviation.offset <= length,
                "deviation offset \(deviation.offset) outside its field of \(length) bytes")
            FuzzCheck.require(deviation.message != "parser gave up here", "the scanner hit its iteration cap")
        }
        for challenge in result.challenges {
            FuzzCheck.require(
                challenge.fieldIndex >= 0 && challenge.fieldIndex < lines, "challenge field index out of range")
            let length = fieldLengths.isEmpty ? 0 : fieldLengths[challenge.fieldIndex]
            FuzzCheck.require(
                challenge.byteRange.lowerBound >= 0 && challenge.byteRange.upperBound <= length,
                "challenge byte range \(challenge.byteRange) outside its field of \(length) bytes")
        }
        let ordered = zip(result.deviations, result.deviations.dropFirst()).allSatisfy {
            ($0.fieldIndex, $0.offset) <= ($1.fieldIndex, $1.offset)
        }
        FuzzCheck.require(ordered, "deviations are not in field and offset order")
    }

    /// What the rules and the client plan read from challenges.
    static func inspect(_ challenges: [Challenge]) {
        for challenge in challenges {
            _ = challenge.realm
            _ = BasicAuth.announcedCharset(challenge)
            if let bearer = BearerChallenge(challenge) {
                _ = (bearer.error, bearer.scope, bearer.errorDescription, bearer.resourceMetadata)
            }
            if let digest = try? DigestChallenge(challenge) {
                _ = try? digest.selectQop()
                _ = try? digest.selectQop(bodyIntegrity: true)
                _ = DigestAuth.isStaleRetry(challenge)
            }
        }
        _ = DigestAuth.preferredChallenge(challenges)
    }

    // MARK: credentials

    /// Authorization values: the shared scanner, the Basic and Bearer readers, and the masking every
    /// renderer uses — which must never show a secret the parse found.
    static func credentials(_ data: [UInt8]) {
        let text = data.lossyText
        let (parsed, deviations) = CredentialsParser.parse(text)
        for deviation in deviations {
            FuzzCheck.require(
                deviation.offset >= 0 && deviation.offset <= text.utf8.count, "credentials deviation out of range")
        }
        switch BasicAuth.decode(authorization: text) {
        case .success(let basic):
            _ = BasicAuth.inspect(user: basic.user, password: basic.password, challenge: nil)
            // Encoding what was decoded and decoding it again gives the same user and password.
            if let again = try? basic.authorizationValue(charset: .utf8) {
                FuzzCheck.require(
                    (try? BasicAuth.decode(authorization: again).get()) == basic, "Basic encode/decode round trip")
            }
        case .failure(let error):
            _ = error.description
        }
        _ = BearerAuth.inspect(authorization: text)
        if let parsed {
            if let digest = try? DigestChallenge(parsed) { _ = try? digest.selectQop() }
            if let user = parsed[parameter: "username"] { _ = DigestAuth.needsExtendedUsername(user) }
            if deviations.isEmpty { checkMasking(text, parsed) }
        }
        for name in ["Authorization", "Cookie", "Set-Cookie", "Location", "X-Api-Key", "X-Session-Token"] {
            _ = SecretMasking.maskHeaderValue(name: name, value: text)
        }
        _ = SecretMasking.isCredentialHeader(text)
    }

    /// The display form of well-formed credentials never holds the token68, the Basic password or a
    /// secret parameter's value (unless that text also occurs elsewhere in the value, or is short or
    /// shaped like the mask itself).
    static func checkMasking(_ text: String, _ credentials: Challenge) {
        let masked = SecretMasking.maskCredentials(text)
        let prefix = credentials.scheme + " "
        guard masked.hasPrefix(prefix) else { return }
        let shown = String(masked.dropFirst(prefix.count))
        func mustNotShow(_ secret: String, _ what: String) {
            guard secret.count >= 6, !secret.contains(where: { "*…()".contains($0) }),
                !secret.contains(where: { $0 == "\"" || $0 == "\\" }), text.components(separatedBy: secret).count == 2
            else { return }
            FuzzCheck.require(!shown.contains(secret), "masked credentials show the \(what)")
        }
        if let token = credentials.token68 {
            mustNotShow(token, "token68")
            if credentials.isScheme("Basic"), case .success(let basic) = BasicAuth.decode(token68: token),
                !basic.user.contains(basic.password)
            {
                mustNotShow(basic.password, "Basic password")
            }
        }
        let secretNames: Set<String> =
            credentials.isScheme("Digest")
            ? ["response", "cnonce", "password", "username*"]
            : [
                "signature", "sig", "response", "token", "password", "credential", "oauth_token", "oauth_signature",
                "mac", "key",
            ]
        for parameter in credentials.parameters where secretNames.contains(parameter.name.lowercased()) {
            if let value = parameter.value { mustNotShow(value, "\(parameter.name) value") }
        }
    }

    // MARK: challenge-roundtrip

    /// Differential: a challenge list that parses strictly, written canonically (`AuthHeaderWriter`
    /// for parameters, `scheme token68` otherwise), parses strictly again into the same challenges.
    static func challengeRoundTrip(_ data: [UInt8]) {
        guard let text = String(validating: data, as: UTF8.self),
            let challenges = try? ChallengeParser.parseStrict(text)
        else { return }
        var written: [String] = []
        for challenge in challenges {
            if let token = challenge.token68 {
                FuzzCheck.require(challenge.parameters.isEmpty, "a challenge with token68 and parameters")
                written.append("\(challenge.scheme) \(token)")
                continue
            }
            for parameter in challenge.parameters {
                FuzzCheck.require(parameter.value != nil, "a strict parse kept a parameter without a value")
            }
            do {
                written.append(
                    try AuthHeaderWriter.credentials(scheme: challenge.scheme, parameters: challenge.parameters))
            } catch {
                FuzzCheck.require(false, "AuthHeaderWriter refuses what the strict parser accepted: \(error)")
            }
        }
        let canonical = written.joined(separator: ", ")
        let again: [Challenge]
        do {
            again = try ChallengeParser.parseStrict(canonical)
        } catch {
            FuzzCheck.require(false, "the canonical form does not parse strictly: \(error)")
            return
        }
        func shape(_ list: [Challenge]) -> [Challenge] {
            list.map { Challenge(scheme: $0.scheme, token68: $0.token68, parameters: $0.parameters) }
        }
        FuzzCheck.require(shape(again) == shape(challenges), "the canonical form parses into other challenges")
    }
}
