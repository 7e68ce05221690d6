"""A Python resource server that accepts Latchkey access tokens with PyJWT.

The signing key comes from the issuer's JWKS through ``jwt.PyJWKClient`` (the JWKS URL is
found through RFC 8414 metadata); the algorithm is the key's, never the token's; ``iss``,
``aud`` and ``exp`` are checked by ``jwt.decode``, and ``typ: at+jwt`` (RFC 9068 §4) here,
since PyJWT leaves it to the caller.

Usage: python3 server.py --issuer URL [--audience AUD] [--port N] [--jwks-uri URL]
[--jwks-max-age SECONDS]. Port 0 picks a free port; the JWKS is cached for the max-age
(default 300 s, PyJWKClient's). Prints "ready on port N" once it listens. Driven by
crates/latchkey-guard/tests.
"""

import argparse
import json
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt


def jwks_uri_of(issuer):
    url = issuer.rstrip("/") + "/.well-known/oauth-authorization-server"
    with urllib.request.urlopen(url, timeout=10) as response:
        metadata = json.load(response)
    if metadata["issuer"] != issuer:
        raise SystemExit(f"metadata names issuer {metadata['issuer']!r}")
    return metadata["jwks_uri"]


def make_handler(keys, issuer, audience):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/healthz":
                return self.reply(200, {"status": "up"})
            scheme, _, token = self.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token:
                return self.reply(401, {}, f'Bearer realm="{audience}"')
            try:
                claims = verify(token.strip())
            except jwt.PyJWTError as error:
                body = {"error": "invalid_token", "error_description": type(error).__name__}
                return self.reply(401, body, f'Bearer realm="{audience}", error="invalid_token"')
            self.reply(200, {"sub": claims["sub"], "scope": claims.get("scope"), "sid": claims.get("sid")})

        def reply(self, status, body, challenge=None):
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            if challenge:
                self.send_header("WWW-Authenticate", challenge)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    def verify(token):
        typ = str(jwt.get_unverified_header(token).get("typ", "")).lower()
        if typ.removeprefix("application/") != "at+jwt":
            raise jwt.InvalidTokenError("not an access token")
        key = keys.get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm_name],
            audience=audience,
            issuer=issuer,
            leeway=5,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--audience")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--jwks-uri")
    parser.add_argument("--jwks-max-age", type=float, default=300)
    args = parser.parse_args()
    audience = args.audience or args.issuer
    keys = jwt.PyJWKClient(args.jwks_uri or jwks_uri_of(args.issuer), cache_keys=True, lifespan=args.jwks_max_age)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(keys, args.issuer, audience))
    print(f"ready on port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
