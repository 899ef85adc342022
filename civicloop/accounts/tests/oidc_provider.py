"""A small OpenID Connect provider on 127.0.0.1 for the single sign-on tests (authorization code flow).

It speaks the protocol for real: /authorize redirects back with a code and the state, /token checks the
client secret, the redirect URI and the PKCE verifier and returns an RS256 ID token signed with a key made
here, /userinfo answers a bearer token, /jwks publishes the public key. A test says who signs in next
(`claims`) and can make the provider misbehave (`rogue_key`: sign with a key it does not publish).
"""

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "civicloop-test"
CLIENT_SECRET = "test-client-secret"
KEY_ID = "test-key-1"


@functools.cache
def _new_key() -> rsa.RSAPrivateKey:
    """The provider's signing key: made once per test run (RSA key generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class _Grant:
    claims: dict[str, Any]
    nonce: str
    redirect_uri: str
    code_challenge: str


@dataclass
class LocalOIDCProvider:
    claims: dict[str, Any] = field(default_factory=dict)
    key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    # When set, ID tokens are signed with this key (under the published key's id): a forgery.
    rogue_key: rsa.RSAPrivateKey | None = None
    audience: str = CLIENT_ID
    url: str = ""
    grants: dict[str, _Grant] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __enter__(self) -> "LocalOIDCProvider":
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    self._redirect(provider.authorize(query))
                elif url.path == "/jwks":
                    self._json(200, provider.jwks())
                elif url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    claims = provider.tokens.get(token)
                    self._json(200 if claims else 401, claims or {"error": "invalid_token"})
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                if urlparse(self.path).path != "/token":
                    self._json(404, {"error": "not_found"})
                    return
                status, body = provider.token(form)
                self._json(status, body)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.end_headers()

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def authorize(self, query: dict[str, str]) -> str:
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query.get("code_challenge_method") == "S256"
        code = secrets.token_urlsafe(16)
        self.grants[code] = _Grant(
            claims=dict(self.claims),
            nonce=query.get("nonce", ""),
            redirect_uri=query["redirect_uri"],
            code_challenge=query["code_challenge"],
        )
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.grants.pop(form.get("code", ""), None)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        if grant is None or form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant"}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.code_challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"}
        now = int(time.time())
        id_claims = {
            "iss": self.url,
            "aud": self.audience,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            **grant.claims,
        }
        signing_key = self.rogue_key or self.key
        id_token = jwt.encode(id_claims, signing_key, algorithm="RS256", headers={"kid": KEY_ID})
        access_token = secrets.token_urlsafe(16)
        # Userinfo repeats who it is (without the groups, as many providers do).
        self.tokens[access_token] = {k: v for k, v in grant.claims.items() if k != "groups"}
        return 200, {
            "access_token": access_token,
            "id_token": id_token,
            "token_type": "Bearer",
            "expires_in": 300,
        }

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}
