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
}
