import Foundation
import TestSupport
import Testing

/// `why401 jwt` end to end: tokens signed by PyJWT, keys made by openssl, the real binary.
@Suite(.serialized) struct JWTCLITests {
    static let secret = "Kx9-cli-test-secret-7d2f1a0b9c8e6f5a4b3c2d1e"
    let dir: String

    init() throws {
        dir = NSTemporaryDirectory() + "why401-jwtcli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// PyJWT signs; `key` is a secret, or a file path when `keyfile` is true.
    func sign(_ payload: String, alg: String, key: String?, keyfile: Bool = false, headers: String = "None") throws
        -> String
    {
        let script = """
            import sys, json, jwt, warnings
            warnings.simplefilter("ignore")
            key = open(sys.argv[2]).read() if sys.argv[3] == "file" else (sys.argv[2] if sys.argv[2] != "-" else None)
            print(jwt.encode(json.loads(sys.argv[1]), key, algorithm=sys.argv[4], headers=\(headers)))
            """
        let r = try ProcessRunner.run("python3", ["-c", script, payload, key ?? "-", keyfile ? "file" : "text", alg])
        guard r.status == 0 else {
            throw HarnessError("PyJWT (python3 -m pip install pyjwt cryptography): \(r.stderr)")
        }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func openssl(_ args: [String]) throws {
        let r = try ProcessRunner.run("openssl", args, currentDirectory: dir)
        guard r.status == 0 else { throw HarnessError("openssl \(args): \(r.stderr)") }
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func findingIDs(_ doc: [String: Any]) -> [String] {
        (doc["findings"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    @Test func hs256VerifiedAndSchemaValid() throws {
        let token = try sign(
            #"{"sub":"alice","aud":"api://orders","iss":"https://idp","exp":1700003600,"iat":1700000000}"#,
            alg: "HS256", key: Self.secret)
        let tokenFile = try write("t.txt", token + "\n")
        let secretFile = try write("s.key", Self.secret + "\n")
        let r = try CLI.run([
            "jwt", "@" + tokenFile, "--secret", "@" + secretFile, "--audience", "api://orders", "--issuer",
            "https://idp", "--now", "1700000100", "--json",
        ])
        #expect(r.status == 0, "\(r)")
        #expect(try SchemaValidator.validate(r.stdout) == nil)
        let doc = try Self.json(r.stdout)
        #expect(doc["command"] as? String == "jwt")
        #expect(doc["subject"] as? String == "eyJh…(\(token.count) chars)")
        #expect((doc["header"] as? [String: Any])?["alg"] as? String == "HS256")
        #expect((doc["claims"] as? [String: Any])?["exp"] as? Int == 1_700_003_600)
        #expect((doc["signature"] as? [String: Any])?["status"] as? String == "verified")
        #expect(Self.findingIDs(doc).isEmpty)
    }

    @Test func wrongSecretExpiredAudienceIssuer() throws {
        let token = try sign(
            #"{"sub":"alice","aud":"api://a","iss":"https://idp","exp":1700000000}"#, alg: "HS256", key: Self.secret)
        let r = try CLI.run([
            "jwt", token, "--secret", "another-secret-another-secret-12345", "--audience", "api://b", "--issuer",
            "https://x", "--now", "1700011520", "--json",
        ])
        #expect(r.status == 1)
        #expect(try SchemaValidator.validate(r.stdout) == nil)
        #expect(
            Set(Self.findingIDs(try Self.json(r.stdout))) == [
                "token.signature-invalid", "token.expired", "token.audience-mismatch",
            ])
        let text = try CLI.run(["jwt", token, "--now", "1700011520"])
        #expect(text.status == 1)
        #expect(text.stdout.contains("expired 3 h 12 min ago"))
        #expect(text.stdout.contains("2023-11-14T22:13:20Z"))
    }

    @Test func rs256WithPEMAndJWKSByKid() throws {
        try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem"])
        try openssl(["pkey", "-in", "rsa.pem", "-pubout", "-out", "rsa.pub"])
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"])
        try openssl(["ec", "-in", "ec.pem", "-pubout", "-out", "ec.pub"])
        let rs = try sign(
            #"{"sub":"a"}"#, alg: "RS256", key: dir + "/rsa.pem", keyfile: true, headers: #"{"kid":"r1"}"#)
        #expect(try CLI.run(["jwt", rs, "--key", dir + "/rsa.pub"]).status == 0)
        #expect(try CLI.run(["jwt", rs, "--key", dir + "/ec.pub"]).status == 1)
        let script = """
            import json, sys
            from jwt.algorithms import RSAAlgorithm, ECAlgorithm
            from cryptography.hazmat.primitives.serialization import load_pem_public_key
            r = json.loads(RSAAlgorithm.to_jwk(load_pem_public_key(open(sys.argv[1], "rb").read()))); r["kid"] = "r1"; \
            r["alg"] = "RS256"
            e = json.loads(ECAlgorithm.to_jwk(load_pem_public_key(open(sys.argv[2], "rb").read()))); e["kid"] = "e1"
            print(json.dumps({"keys": [r, e]}))
            """
        let jwks = try ProcessRunner.run("python3", ["-c", script, dir + "/rsa.pub", dir + "/ec.pub"])
        let jwksFile = try write("jwks.json", jwks.stdout)
        let es = try sign(#"{"sub":"a"}"#, alg: "ES256", key: dir + "/ec.pem", keyfile: true, headers: #"{"kid":"e1"}"#)
        #expect(try CLI.run(["jwt", rs, "--jwks", jwksFile]).status == 0)
        #expect(try CLI.run(["jwt", es, "--jwks", jwksFile]).status == 0)
        let rotated = try sign(
            #"{"sub":"a"}"#, alg: "RS256", key: dir + "/rsa.pem", keyfile: true, headers: #"{"kid":"r2"}"#)
        let r = try CLI.run(["jwt", rotated, "--jwks", jwksFile, "--json"])
        #expect(r.status == 1)
        let finding = try #require((try Self.json(r.stdout)["findings"] as? [[String: Any]])?.first)
        #expect(finding["id"] as? String == "token.signature-invalid")
        #expect((finding["evidence"] as? [String])?.contains("no key with kid r2") == true)
        // Algorithm confusion: the RSA public key given as an HMAC secret.
        let confused = try CLI.run([
            "jwt", try sign(#"{"sub":"a"}"#, alg: "HS256", key: "x-secret-x-secret-x-secret-x-secret"), "--secret",
            "@" + dir + "/rsa.pub",
        ])
        #expect(confused.status == 1)
        #expect(confused.stdout.contains("Algorithm confusion"))
    }

    @Test func algNoneWeakSecretOpaqueJWE() throws {
        let none = try CLI.run(["jwt", try sign(#"{"sub":"a"}"#, alg: "none", key: nil), "--json"])
        #expect(none.status == 1)
        #expect(Self.findingIDs(try Self.json(none.stdout)) == ["token.signature-invalid"])
        let weak = try CLI.run(["jwt", try sign(#"{"sub":"a"}"#, alg: "HS256", key: "secret"), "--json"])
        #expect(weak.status == 0)  // a warning, not an error
        let weakFinding = try #require((try Self.json(weak.stdout)["findings"] as? [[String: Any]])?.first)
        #expect(weakFinding["severity"] as? String == "warning")
        #expect(weakFinding["id"] as? String == "token.weak-secret")
        // `jwt` was asked to read a JWT: an opaque token is a warning that fails the command.
        let opaque = try CLI.run(["jwt", "2YotnFZFEjr1zCsicMWpAA", "--json"])
        #expect(opaque.status == 1)
        #expect(Self.findingIDs(try Self.json(opaque.stdout)) == ["token.not-jwt"])
        #expect(try SchemaValidator.validate(opaque.stdout) == nil)
        let jwe = try CLI.run(["jwt", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d"])
        #expect(jwe.status == 0)
        #expect(jwe.stdout.contains("JWE"))
    }

    /// Issue 11: a non-JWT is never "✓ OK": exit 1, `token.not-jwt` as a warning, one-line reason,
    /// from an argument, a file or stdin; `....` is not called a JWE. A real JWE stays exit 0.
    @Test(arguments: ["xxxxxxxx", "....", "a.b.c.d.e", "Zm9vYmFyYmF6cXV4LXJhbmRvbS1zdHJpbmc", "not.a.jwt"])
    func nonJWTIsAProblem(input: String) throws {
        let file = try write("nonjwt.txt", input + "\n")
        for (args, stdin) in [(["jwt", input], nil), (["jwt", "@" + file], nil), (["jwt", "-"], input + "\n")]
            as [([String], String?)]
        {
            let text = try CLI.run(args, stdin: stdin)
            #expect(text.status == 1, "\(args): \(text)")
            #expect(text.stdout.hasPrefix("✗ 1 problem found — top: token.not-jwt"), "\(text.stdout)")
            #expect(!text.stdout.contains("✓"))
            #expect(!text.stdout.contains("JWE"))
            #expect(text.stdout.contains("This is not a JWT: "))
            #expect(text.stderr.isEmpty)
        }
        let json = try CLI.run(["jwt", input, "--json"])
        #expect(json.status == 1)
        #expect(try SchemaValidator.validate(json.stdout) == nil)
        let doc = try Self.json(json.stdout)
        #expect(doc["outcome"] as? String == "problems")
        #expect(doc["cause"] as? String == "token.not-jwt")
        let finding = try #require((doc["findings"] as? [[String: Any]])?.first)
        #expect(finding["severity"] as? String == "warning")
        #expect((finding["detail"] as? String)?.contains("\n") == false)
        let jwe = try CLI.run(["jwt", "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", "--json"])
        #expect(jwe.status == 0)
    }

    @Test func hostileInputNeverCrashes() throws {
        let big = try write("big.txt", String(repeating: "a", count: 1_000_000))
        let deep = try write(
            "deep.txt",
            "eyJhbGciOiJIUzI1NiJ9."
                + Data(
                    ("{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}")
                        .utf8
                ).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_") + ".x")
        for (args, expected) in [
            (["jwt", "a.b"], Int32(1)), (["jwt", "e$$.e30.x"], 1), (["jwt", "bm90anNvbg.e30.x"], 1),
            (["jwt", "@" + big], 1), (["jwt", "@" + deep], 1),
            (["jwt", "@" + dir + "/missing"], 3), (["jwt", "a.b.c", "--key", dir + "/missing.pem"], 3),
            (["jwt", "a.b.c", "--secret", "x", "--key", "y"], 2),
            (["jwt", "a.b.c", "--jwks", "http://127.0.0.1:9/jwks", "--timeout", "2"], 3), (["jwt", "-"], 2),
        ] {
            let r = try CLI.run(args, stdin: "")
            #expect(r.status == expected, "\(args): \(r)")
            #expect(!r.killedBySignal)
            if expected >= 2 { #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)") }
        }
    }

    @Test func tokenSignatureAndSecretNeverPrinted() throws {
        let token = try sign(#"{"sub":"alice","exp":1700000000}"#, alg: "HS256", key: Self.secret)
        let signature = String(token.split(separator: ".")[2])
        let secretFile = try write("secret.key", Self.secret)
        for format in ["text", "json", "markdown"] {
            for keyArgs in [
                ["--secret", Self.secret], ["--secret", "@" + secretFile], ["--secret", Self.secret + "-wrong"],
            ] {
                for useStdin in [false, true] {
                    let args = ["jwt", useStdin ? "-" : token] + keyArgs + ["--format", format, "--now", "1700011520"]
                    let r = try CLI.run(args, stdin: useStdin ? token + "\n" : nil)
                    #expect(r.status == 1, "\(r)")  // expired
                    for output in [r.stdout, r.stderr] {
                        #expect(!output.contains(token))
                        #expect(!output.contains(signature))
                        #expect(!output.contains(Self.secret))
                    }
                }
            }
        }
    }
}
