import CredentialModel
import Credentials
import Diagnosis
import Report

/// `why401 htpasswd lint FILE`: every line of an htpasswd or htdigest file, judged for the servers.
public struct PasswordLintRequest: Sendable {
    /// The htpasswd or htdigest file.
    public var path: String
    /// The servers the hashes are judged for (an htdigest file is judged for Apache only).
    public var servers: [PasswordServer]
    /// Read the file as htdigest (`user:realm:md5`); nil: recognised by its shape.
    public var realm: String?

    public init(path: String, servers: [PasswordServer] = [.apache, .nginx], realm: String? = nil) {
        self.path = path
        self.servers = servers
        self.realm = realm
    }
}

/// `why401 htpasswd verify FILE USER`: one user's password against the file, answered for that user.
public struct PasswordVerifyRequest: Sendable {
    public var path: String
    /// The user name, exactly as the client sends it.
    public var user: String
    public var servers: [PasswordServer]
    /// The htdigest realm (the file is then read as htdigest); nil: the user's only realm.
    public var realm: String?
    /// Asked for the password once the file has been read and the realm is known, so a person is not
    /// prompted for a file that cannot be read. The password is checked and dropped: only its length
    /// reaches the result.
    public var password: @Sendable () throws -> String

    public init(
        path: String, user: String, servers: [PasswordServer] = [.apache, .nginx], realm: String? = nil,
        password: @escaping @Sendable () throws -> String
    ) {
        self.path = path
        self.user = user
        self.servers = servers
        self.realm = realm
        self.password = password
    }
}

extension UseCase {
    /// Password files may be big (10⁶ users); the cap only guards against reading a disk image.
    public static let passwordFileLimit = 256 << 20

    /// Reads the file and judges every line (`PasswordFileRules.set`). Throws
    /// `AuditFailure.incomplete` when the file cannot be read.
    public static func lintPasswordFile(_ request: PasswordLintRequest) throws -> PasswordFileResult {
        let file = try readPasswordFile(request.path, realm: request.realm)
        let evidence = PasswordFileEvidence(file: file, servers: servers(request.servers, for: file))
        return PasswordFileResult(
            path: request.path, evidence: evidence, findings: PasswordFileRules.findings(evidence))
    }

    /// Reads the file, finds the user's line (in the realm, for htdigest), asks for the password,
    /// checks it, and judges the answer and the other lines (`PasswordFileRules.set`). Throws
    /// `AuditFailure.incomplete` when the file cannot be read, `.usage` when an htdigest user is in
    /// several realms and none was given; whatever `password` throws passes through.
    public static func verifyPasswordFile(_ request: PasswordVerifyRequest) throws -> PasswordFileResult {
        let file = try readPasswordFile(request.path, realm: request.realm)
        var realm = request.realm
        if file.kind == .htdigest, realm == nil {
            let realms = file.realms(of: request.user)
            if realms.count > 1 {
                throw AuditFailure.usage(
                    """
                    \(PasswordFile.display(request.user)) is in \(realms.count) realms of \(request.path): give \
                    --realm
                    """
                )
            }
            realm = realms.first
        }
        let check = PasswordCheck.run(file, user: request.user, realm: realm, password: try request.password())
        let evidence = PasswordFileEvidence(file: file, servers: servers(request.servers, for: file), check: check)
        return PasswordFileResult(
            path: request.path, evidence: evidence, findings: PasswordFileRules.findings(evidence))
    }

    static func readPasswordFile(_ path: String, realm: String?) throws -> PasswordFile {
        let bytes = try InputFile.contents(path, what: "htpasswd", limit: passwordFileLimit)
        return PasswordFile.parse(bytes, kind: realm == nil ? nil : .htdigest)
    }

    /// htdigest files belong to Apache's mod_auth_digest (nginx has no Digest authentication).
    static func servers(_ asked: [PasswordServer], for file: PasswordFile) -> [PasswordServer] {
        file.kind == .htdigest ? [.apache] : asked
    }
}
