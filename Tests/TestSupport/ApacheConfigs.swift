/// Config bodies the Apache-based suites share (placeholders as `ApacheServer` expects them).
public enum ApacheConfigs {
    /// `{{DOCROOT}}/DIR` behind Basic auth with `{{ROOT}}/auth/htpasswd`, any valid user.
    public static func basicArea(realm: String = "Private Basic Area", directory: String = "basic") -> String {
        """
        <Directory "{{DOCROOT}}/\(directory)">
            AuthType Basic
            AuthName "\(realm)"
            AuthBasicProvider file
            AuthUserFile "{{ROOT}}/auth/htpasswd"
            Require valid-user
        </Directory>
        """
    }

    /// `{{DOCROOT}}/digest` behind Digest auth with `{{ROOT}}/auth/htdigest`, any valid user.
    public static func digestArea(realm: String = "Private Digest Area") -> String {
        """
        <Directory "{{DOCROOT}}/digest">
            AuthType Digest
            AuthName "\(realm)"
            AuthDigestProvider file
            AuthUserFile "{{ROOT}}/auth/htdigest"
            Require valid-user
        </Directory>
        """
    }
}

/// Config snippets the nginx-based suites share (placed inside the `server` block `NginxServer` writes).
public enum NginxConfigs {
    /// `location PATH` behind Basic auth with `USERFILE` (default `{{ROOT}}/auth/htpasswd`).
    public static func basicLocation(
        _ path: String = "/basic/", realm: String = "Private Basic Area", userFile: String = "{{ROOT}}/auth/htpasswd"
    ) -> String {
        """
        location \(path) {
            auth_basic "\(realm)";
            auth_basic_user_file \(userFile);
        }
        """
    }
}
