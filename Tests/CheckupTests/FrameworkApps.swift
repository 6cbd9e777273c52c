import Foundation
import TestSupport

// Small applications that mount each framework's own authentication classes, started from the
// PyPI packages in `.venv` (see Tests/TestSupport/PythonApp.swift). Each is what a developer
// following the framework's documentation would write; the tests assert why401's verdict on them.
enum FrameworkApps {
    static let token = "tok-9f8e7d6c5b4a"
    static let apiKey = "key-1a2b3c4d5e6f"
    static let password = "Secret123"
    static let jwtSecret = "hs256-test-secret-of-32-bytes-long!!"

    /// Django + Django REST framework: TokenAuthentication (a fixed token, no DB table), the default
    /// SessionAuthentication (403 without a challenge), BasicAuthentication, and a permission check.
    static let django = #"""
        import os, sys
        import django
        from django.conf import settings

        settings.configure(
            DEBUG=False, SECRET_KEY="test-only", ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"],
            INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "rest_framework"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}},
            MIDDLEWARE=[], REST_FRAMEWORK={"UNAUTHENTICATED_USER": None},
        )
        django.setup()

        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.urls import path
        from rest_framework import exceptions
        from rest_framework.authentication import BasicAuthentication, SessionAuthentication, TokenAuthentication
        from rest_framework.permissions import IsAdminUser, IsAuthenticated
        from rest_framework.response import Response
        from rest_framework.views import APIView

        class FixedTokenAuthentication(TokenAuthentication):
            def authenticate_credentials(self, key):
                if key != os.environ["APP_TOKEN"]:
                    raise exceptions.AuthenticationFailed("Invalid token.")
                return (User.objects.get(username="alice"), key)

        class Me(APIView):
            permission_classes = [IsAuthenticated]
            def get(self, request):
                return Response({"user": request.user.username})
            def post(self, request):
                return Response({"created": True}, status=201)

        class TokenMe(Me):
            authentication_classes = [FixedTokenAuthentication]

        class SessionMe(Me):
            authentication_classes = [SessionAuthentication, BasicAuthentication]

        class BasicMe(Me):
            authentication_classes = [BasicAuthentication]

        class AdminOnly(Me):
            authentication_classes = [BasicAuthentication]
            permission_classes = [IsAdminUser]

        urlpatterns = [
            path("token/me", TokenMe.as_view()), path("session/me", SessionMe.as_view()),
            path("basic/me", BasicMe.as_view()), path("admin/stats", AdminOnly.as_view()),
        ]

        if __name__ == "__main__":
            call_command("migrate", run_syncdb=True, verbosity=0)
            User.objects.create_user("alice", password=os.environ["APP_PASSWORD"])
            User.objects.create_user("bob", password=os.environ["APP_PASSWORD"])
            from django.core.management import execute_from_command_line
            execute_from_command_line(
                [sys.argv[0], "runserver", "--noreload", "--nothreading", "127.0.0.1:" + sys.argv[1]])
        """#

    /// FastAPI under uvicorn: HTTPBearer with a JWT (PyJWT) checked for expiry and scope, an
    /// X-API-Key header, HTTP Basic — each as the FastAPI tutorial writes it.
    static let fastapi = #"""
        import os, secrets, sys
        import jwt
        import uvicorn
        from fastapi import Depends, FastAPI, HTTPException, Security, status
        from fastapi.security import (
            APIKeyHeader, HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer)

        app = FastAPI()
        bearer = HTTPBearer()
        api_key = APIKeyHeader(name="X-API-Key")
        basic = HTTPBasic()

        def claims(creds: HTTPAuthorizationCredentials = Depends(bearer)):
            try:
                return jwt.decode(creds.credentials, os.environ["APP_JWT_SECRET"], algorithms=["HS256"])
            except jwt.ExpiredSignatureError:
                raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Token has expired",
                                    headers={"WWW-Authenticate": "Bearer"})
            except jwt.InvalidTokenError:
                raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials",
                                    headers={"WWW-Authenticate": "Bearer"})

        @app.get("/items")
        def items(c: dict = Depends(claims)):
            return {"sub": c.get("sub")}

        @app.get("/admin")
        def admin(c: dict = Depends(claims)):
            if "admin" not in c.get("scope", "").split():
                raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Not enough permissions",
                                    headers={"WWW-Authenticate": 'Bearer scope="admin"'})
            return {"ok": True}

        @app.get("/keyed")
        def keyed(key: str = Security(api_key)):
            if key != os.environ["APP_API_KEY"]:
                raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid API key")
            return {"ok": True}

        @app.get("/basic")
        def basic_me(creds: HTTPBasicCredentials = Depends(basic)):
            good = (secrets.compare_digest(creds.username, "alice")
                    and secrets.compare_digest(creds.password, os.environ["APP_PASSWORD"]))
            if not good:
                raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect username or password",
                                    headers={"WWW-Authenticate": "Basic"})
            return {"user": creds.username}

        if __name__ == "__main__":
            uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
        """#

    /// Flask + Flask-HTTPAuth: HTTPBasicAuth and HTTPTokenAuth (Bearer), as in its README.
    static let flask = #"""
        import os, sys
        from flask import Flask
        from flask_httpauth import HTTPBasicAuth, HTTPDigestAuth, HTTPTokenAuth

        app = Flask(__name__)
        app.secret_key = "test-only-secret"
        basic = HTTPBasicAuth()
        token = HTTPTokenAuth(scheme="Bearer")
        digest = HTTPDigestAuth()

        @digest.get_password
        def get_password(username):
            return os.environ["APP_PASSWORD"] if username == "alice" else None

        @app.route("/digest")
        @digest.login_required
        def digest_me():
            return {"user": digest.current_user()}

        @basic.verify_password
        def verify_password(username, password):
            if username == "alice" and password == os.environ["APP_PASSWORD"]:
                return username

        @token.verify_token
        def verify_token(value):
            if value == os.environ["APP_TOKEN"]:
                return "alice"

        @app.route("/basic")
        @basic.login_required
        def basic_me():
            return {"user": basic.current_user()}

        @app.route("/token")
        @token.login_required
        def token_me():
            return {"user": token.current_user()}

        if __name__ == "__main__":
            app.run(host="127.0.0.1", port=int(sys.argv[1]))
        """#

    /// aiohttp: Digest whose nonce lives in a server-side session named by a cookie set on the
    /// 401 — an answer without that cookie is challenged again (as some embedded devices and PHP
    /// Digest implementations do).
    static let aiohttpDigestSession = #"""
        import hashlib, os, re, secrets, sys
        from aiohttp import web

        REALM, USER = "device", "admin"
        sessions = {}

        def md5(text):
            return hashlib.md5(text.encode()).hexdigest()

        async def status(request):
            sid = request.cookies.get("sid")
            auth = request.headers.get("Authorization", "")
            if sid in sessions and auth.startswith("Digest "):
                p = dict(re.findall(r'(\w+)="?([^",]*)"?', auth[7:]))
                ha1 = md5(f"{USER}:{REALM}:{os.environ['APP_PASSWORD']}")
                ha2 = md5(f"{request.method}:{p.get('uri', '')}")
                expected = md5(f"{ha1}:{sessions[sid]}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}")
                if p.get("username") == USER and p.get("nonce") == sessions[sid] and p.get("response") == expected:
                    return web.json_response({"ok": True})
            sid, nonce = secrets.token_hex(8), secrets.token_hex(12)
            sessions[sid] = nonce
            response = web.Response(status=401, text="401: authentication required")
            response.headers["WWW-Authenticate"] = f'Digest realm="{REALM}", nonce="{nonce}", qop="auth", algorithm=MD5'
            response.set_cookie("sid", sid)
            return response

        app = web.Application()
        app.router.add_get("/status", status)
        web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
        """#

    /// An MCP server from the MCP Python SDK (FastMCP, streamable HTTP) with bearer auth, its RFC 9728
    /// resource metadata, and RFC 8414 metadata for the authorization server it names.
    static let mcp = #"""
        import os, sys
        import uvicorn
        from starlette.responses import JSONResponse
        from starlette.routing import Route
        from mcp.server.auth.provider import AccessToken, TokenVerifier
        from mcp.server.auth.settings import AuthSettings
        from mcp.server.fastmcp import FastMCP

        port = int(sys.argv[1])
        base = "http://127.0.0.1:%d" % port

        class Verifier(TokenVerifier):
            async def verify_token(self, token):
                if token == os.environ["APP_TOKEN"]:
                    return AccessToken(token=token, client_id="cli", scopes=["mcp:tools"])
                return None

        mcp = FastMCP("demo", token_verifier=Verifier(), auth=AuthSettings(
            issuer_url=base, resource_server_url=base + "/mcp", required_scopes=["mcp:tools"]))

        @mcp.tool()
        def add(a: int, b: int) -> int:
            return a + b

        async def as_metadata(request):
            return JSONResponse({"issuer": base + "/", "authorization_endpoint": base + "/authorize",
                                 "token_endpoint": base + "/token", "response_types_supported": ["code"]})

        app = mcp.streamable_http_app()
        app.routes.append(Route("/.well-known/oauth-authorization-server", as_metadata))
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
        """#

    static var environment: [String: String] {
        ["APP_TOKEN": token, "APP_API_KEY": apiKey, "APP_PASSWORD": password, "APP_JWT_SECRET": jwtSecret]
    }

    /// An HS256 JWT signed by PyJWT (not by the library under test).
    static func jwt(sub: String = "alice", expiresIn: Int, scope: String = "read") throws -> String {
        let script = """
            import jwt, sys, time
            print(jwt.encode({"sub": "\(sub)", "exp": int(time.time()) + \(expiresIn), "scope": "\(scope)"}, \
            sys.argv[1], algorithm="HS256"))
            """
        let result = try ProcessRunner.run(PythonEnvironment.python, ["-c", script, jwtSecret], timeout: 30)
        guard result.succeeded else { throw RealServerError.toolFailed("PyJWT: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
