import CredentialModel
import Foundation
import JWTKit
import Testing

@testable import Credentials

/// Keys made by `openssl`, tokens signed by PyJWT (an independent implementation) and by JWTKit;
/// verified by `JWTVerifier`.
struct JWTFixture: Sendable {
    let dir: String

    static let shared: JWTFixture? = try? JWTFixture()

    init() throws {
        dir = NSTemporaryDirectory() + "why401-jwt-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, args) in [
            ("rsa", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem"]),
            ("rsa2", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa2.pem"]),
            ("ec", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"]),
            ("ed", ["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"]),
        ] {
            try Self.check(Self.run("/usr/bin/openssl", args, cwd: dir), name)
            try Self.check(
                Self.run(
                    "/usr/bin/openssl", ["pkey", "-in", "\(name).pem", "-pubout", "-out", "\(name).pub"], cwd: dir),
                name)
        }
    }

    func path(_ name: String) -> String { dir + "/" + name }
    func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }

    static let python = """
        import sys, json, jwt, hmac, hashlib, base64, warnings
        warnings.simplefilter("ignore")
        from jwt.algorithms import RSAAlgorithm, ECAlgorithm
        from cryptography.hazmat.primitives.serialization import load_pem_public_key
        req = json.load(sys.stdin)
        op = req["op"]
        if op == "sign":
            key = open(req["keyfile"]).read() if "keyfile" in req else req.get("secret")
            print(jwt.encode(req["payload"], key, algorithm=req["alg"], headers=req.get("headers")))
        elif op == "confuse":
            b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
            signing = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + "." + \
            b64(json.dumps(req["payload"]).encode())
            mac = hmac.new(open(req["keyfile"], "rb").read(), signing.encode(), hashlib.sha256).digest()
            print(signing + "." + b64(mac))
        elif op == "jwks":
            keys = []
            for k in req["keys"]:
                pub = load_pem_public_key(open(k["file"], "rb").read())
                algo = RSAAlgorithm if k["kty"] == "RSA" else ECAlgorithm
                d = json.loads(algo.to_jwk(pub)); d["kid"] = k["kid"]
                if "alg" in k: d["alg"] = k["alg"]
                keys.append(d)
            print(json.dumps({"keys": keys}))
        """

    /// Runs the PyJWT helper with a JSON request; returns its one line of output.
    func py(_ request: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: request)
        let result = Self.run(
            "/usr/bin/env", ["python3", "-c", Self.python], stdin: String(decoding: data, as: UTF8.self))
        try Self.check(result, "python3 (PyJWT: python3 -m pip install pyjwt cryptography)")
        return result.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func sign(
        _ payload: [String: Any], alg: String, keyfile: String? = nil, secret: String? = nil,
        headers: [String: Any]? = nil
    ) throws -> String {
        var request: [String: Any] = ["op": "sign", "payload": payload, "alg": alg]
        if let keyfile { request["keyfile"] = path(keyfile) }
        if let secret { request["secret"] = secret }
        if let headers { request["headers"] = headers }
        return try py(request)
    }

    static func check(_ r: (status: Int32, out: String, err: String), _ what: String) throws {
        if r.status != 0 { throw FixtureError(description: "\(what) failed: \(r.err)") }
    }

    static func run(_ exe: String, _ args: [String], stdin: String? = nil, cwd: String? = nil) -> (
        status: Int32, out: String, err: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = args
        if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        do { try process.run() } catch { return (127, "", "\(error)") }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}

struct FixtureError: Error, CustomStringConvertible { var description: String }

func header(_ token: String) throws -> [String: JSONScalarTree] { try JWT.decode(token).get().header }

func verify(_ token: String, _ key: JWTKeyInput) async throws -> JWTVerification {
    await JWTVerifier.verify(token, header: try header(token), key: key)
}

@Suite(.serialized) struct JWTVerificationTests {
    let f: JWTFixture
    init() throws {
        guard let f = JWTFixture.shared else { throw FixtureError(description: "fixture: openssl or PyJWT missing") }
        self.f = f
    }

    static var claims: [String: Any] { ["sub": "alice", "aud": "api://orders", "exp": 1_700_000_000] }

    @Test(arguments: ["HS256", "HS384", "HS512"])
    func hmacRightAndWrongSecret(alg: String) async throws {
        let secret = "k3y-for-" + alg + "-that-is-long-enough-for-hs512-0123456789abcdef0123456789"
        let token = try f.sign(Self.claims, alg: alg, secret: secret)
        #expect(
            try await verify(token, .secret(secret))
                == .verified(algorithm: alg, key: "HMAC secret (\(secret.utf8.count) bytes)"))
        // From a file with the editor's trailing newline: still verifies.
        if case .verified = try await verify(token, .secret(secret + "\n")) {
        } else {
            Issue.record("newline not tolerated")
        }
        guard case .failed(.badSignature) = try await verify(token, .secret(secret + "x")) else {
            Issue.record("wrong secret verified")
            return
        }
    }

    @Test(arguments: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"])
    func rsaWithPEMPublicKey(alg: String) async throws {
        let token = try f.sign(Self.claims, alg: alg, keyfile: "rsa.pem")
        guard case .verified(alg, let key) = try await verify(token, .pem(try f.text("rsa.pub"))) else {
            Issue.record("\(alg) did not verify")
            return
        }
        #expect(key == "RSA public key (2048 bits)")
        guard case .failed(.badSignature) = try await verify(token, .pem(try f.text("rsa2.pub"))) else {
            Issue.record("\(alg) verified with another key")
            return
        }
    }

    @Test func es256AndEdDSA() async throws {
        let es = try f.sign(Self.claims, alg: "ES256", keyfile: "ec.pem")
        #expect(try await verify(es, .pem(try f.text("ec.pub"))) == .verified(algorithm: "ES256", key: "EC P-256 key"))
        let ed = try f.sign(Self.claims, alg: "EdDSA", keyfile: "ed.pem")
        #expect(try await verify(ed, .pem(try f.text("ed.pub"))) == .verified(algorithm: "EdDSA", key: "Ed25519 key"))
        // The wrong kind of key is said so, not a crash.
        #expect(
            try await verify(es, .pem(try f.text("rsa.pub")))
                == .failed(.keyDoesNotFit(algorithm: "ES256", key: "RSA public key (2048 bits)")))
        #expect(
            try await verify(ed, .secret("not-a-pem"))
                == .failed(.keyDoesNotFit(algorithm: "EdDSA", key: "HMAC secret")))
    }

    @Test func jwksPicksByKidAndReportsMissingKid() async throws {
        let jwks = try f.py([
            "op": "jwks",
            "keys": [
                ["file": f.path("rsa.pub"), "kty": "RSA", "kid": "k1", "alg": "RS256"],
                ["file": f.path("rsa2.pub"), "kty": "RSA", "kid": "k2"],  // no alg: given explicitly by us
                ["file": f.path("ec.pub"), "kty": "EC", "kid": "k3"],
            ],
        ])
        let t1 = try f.sign(Self.claims, alg: "RS256", keyfile: "rsa.pem", headers: ["kid": "k1"])
        let t2 = try f.sign(Self.claims, alg: "PS256", keyfile: "rsa2.pem", headers: ["kid": "k2"])
        let t2b = try f.sign(Self.claims, alg: "RS384", keyfile: "rsa2.pem", headers: ["kid": "k2"])
        let t3 = try f.sign(Self.claims, alg: "ES256", keyfile: "ec.pem", headers: ["kid": "k3"])
        #expect(try await verify(t1, .jwks(jwks)) == .verified(algorithm: "RS256", key: "JWKS key kid k1 (RSA)"))
        #expect(try await verify(t2, .jwks(jwks)) == .verified(algorithm: "PS256", key: "JWKS key kid k2 (RSA)"))
        // Same kid, another alg: no stale signer cached from the previous token.
        #expect(try await verify(t2b, .jwks(jwks)) == .verified(algorithm: "RS384", key: "JWKS key kid k2 (RSA)"))
        #expect(try await verify(t3, .jwks(jwks)) == .verified(algorithm: "ES256", key: "JWKS key kid k3 (EC)"))
        // Signed with rsa2 but claims kid k1.
        let lying = try f.sign(Self.claims, alg: "RS256", keyfile: "rsa2.pem", headers: ["kid": "k1"])
        #expect(
            try await verify(lying, .jwks(jwks))
                == .failed(.badSignature(algorithm: "RS256", key: "JWKS key kid k1 (RSA)")))
        let rotated = try f.sign(Self.claims, alg: "RS256", keyfile: "rsa.pem", headers: ["kid": "k9"])
        #expect(try await verify(rotated, .jwks(jwks)) == .failed(.noKeyForKid("k9", available: ["k1", "k2", "k3"])))
        // No kid in the token: every key is tried.
        let noKid = try f.sign(Self.claims, alg: "RS256", keyfile: "rsa2.pem")
        #expect(try await verify(noKid, .jwks(jwks)) == .verified(algorithm: "RS256", key: "JWKS key kid k2 (RSA)"))
        guard case .failed(.unusableKey) = try await verify(t1, .jwks("not json")) else {
            Issue.record("bad JWKS accepted")
            return
        }
    }

    @Test func algNoneIsUnsigned() async throws {
        let token = try f.sign(Self.claims, alg: "none")
        #expect(try header(token)["alg"]?.string == "none")
        #expect(try await verify(token, .secret("whatever-secret")) == .failed(.unsigned))
    }

    @Test func algorithmConfusion() async throws {
        let pub = try f.text("rsa.pub")
        let forged = try f.py(["op": "confuse", "payload": Self.claims, "keyfile": f.path("rsa.pub")])
        // The public key given as --secret, or as --key to an HS256 token: both say algorithm confusion.
        #expect(
            try await verify(forged, .secret(pub)) == .failed(.algorithmConfusion(algorithm: "HS256", forged: true)))
        #expect(try await verify(forged, .pem(pub)) == .failed(.algorithmConfusion(algorithm: "HS256", forged: true)))
        let honest = try f.sign(Self.claims, alg: "HS256", secret: "an-honest-secret-of-sufficient-length!!")
        #expect(try await verify(honest, .pem(pub)) == .failed(.algorithmConfusion(algorithm: "HS256", forged: false)))
    }

    @Test func weakSecrets() async throws {
        let weak = try f.sign(Self.claims, alg: "HS256", secret: "your-256-bit-secret")
        #expect(try await verify(weak, .secret("your-256-bit-secret")) == .verifiedWithWeakSecret(algorithm: "HS256"))
        #expect(await JWTVerifier.weakSecretVerifies(weak, header: try header(weak)))
        let weak512 = try f.sign(Self.claims, alg: "HS512", secret: "changeme")
        #expect(await JWTVerifier.weakSecretVerifies(weak512, header: try header(weak512)))
        let strong = try f.sign(Self.claims, alg: "HS256", secret: "Zq8-not-in-any-list-7f3a9c1e5b2d4f60a8")
        #expect(await !JWTVerifier.weakSecretVerifies(strong, header: try header(strong)))
    }

    @Test func unusablePEM() async throws {
        let token = try f.sign(Self.claims, alg: "RS256", keyfile: "rsa.pem")
        guard
            case .failed(.unusableKey) = try await verify(
                token, .pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
        else {
            Issue.record("garbage PEM accepted")
            return
        }
        let small = JWTFixture.run(
            "/usr/bin/openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"])
        let pub = JWTFixture.run("/usr/bin/openssl", ["pkey", "-pubout"], stdin: small.out)
        guard case .failed(.unusableKey(let why)) = try await verify(token, .pem(pub.out)) else {
            Issue.record("1024-bit key accepted")
            return
        }
        #expect(why.contains("2048"))
    }

    /// Tokens signed by JWTKit itself verify too (and a tampered payload does not).
    @Test func jwtKitSignedTokens() async throws {
        struct Claims: JWTPayload {
            var sub: String
            var exp: Int
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        let secret = "a-jwtkit-secret-that-is-at-least-32-bytes-long"
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let token = try await keys.sign(Claims(sub: "bob", exp: 1))
        #expect(
            try await verify(token, .secret(secret))
                == .verified(algorithm: "HS256", key: "HMAC secret (\(secret.utf8.count) bytes)"))
        let ecKey = ES256PrivateKey()
        let ecKeys = JWTKeyCollection()
        await ecKeys.add(ecdsa: ecKey)
        let es = try await ecKeys.sign(Claims(sub: "bob", exp: 1))
        #expect(
            try await verify(es, .pem(ecKey.publicKey.pemRepresentation))
                == .verified(algorithm: "ES256", key: "EC P-256 key"))
        var parts = es.split(separator: ".").map(String.init)
        parts[1] = "eyJzdWIiOiJldmUiLCJleHAiOjF9"  // {"sub":"eve","exp":1}
        guard
            case .failed(.badSignature) = try await verify(
                parts.joined(separator: "."), .pem(ecKey.publicKey.pemRepresentation))
        else {
            Issue.record("tampered token verified")
            return
        }
    }
}
