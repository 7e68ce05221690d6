// An Express resource server that accepts Latchkey access tokens the way most Node APIs
// would: express-jwt verifies the signature with keys from the issuer's JWKS (jwks-rsa,
// found through RFC 8414 metadata), pins the algorithms, and checks `iss`, `aud` and `exp`.
// RFC 9068 §4 also asks resource servers to check `typ: at+jwt`, which express-jwt does not
// do, so a small middleware does it after the signature verified.
//
// Usage: node server.js --issuer URL --audience AUD [--port N] [--jwks-uri URL]
// [--jwks-max-age SECONDS] (or ISSUER, AUDIENCE, PORT, JWKS_URI, JWKS_MAX_AGE in the
// environment). Port 0 picks a free port; keys are cached for the max-age (default 600 s).
// Prints "ready on port N" once it listens. Driven by crates/latchkey-guard/tests.
'use strict';

const express = require('express');
const { expressjwt } = require('express-jwt');
const jwksRsa = require('jwks-rsa');

function option(name, env) {
  const i = process.argv.indexOf(`--${name}`);
  if (i !== -1 && i + 1 < process.argv.length) return process.argv[i + 1];
  return process.env[env];
}

async function jwksUriOf(issuer) {
  const origin = issuer.replace(/\/$/, '');
  const response = await fetch(`${origin}/.well-known/oauth-authorization-server`);
  if (!response.ok) throw new Error(`metadata: HTTP ${response.status}`);
  const metadata = await response.json();
  if (metadata.issuer !== issuer) throw new Error(`metadata names issuer ${metadata.issuer}`);
  return metadata.jwks_uri;
}

function bearerToken(req) {
  const [scheme, token] = (req.headers.authorization || '').split(' ');
  return scheme && scheme.toLowerCase() === 'bearer' ? token : undefined;
}

// RFC 9068 §4: an ID token or any other JWT signed by the same key is not an access token.
function requireAccessTokenType(req, res, next) {
  const header = JSON.parse(Buffer.from(bearerToken(req).split('.')[0], 'base64url').toString());
  const typ = String(header.typ || '').toLowerCase().replace(/^application\//, '');
  if (typ !== 'at+jwt') {
    res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
    return;
  }
  next();
}

async function main() {
  const issuer = option('issuer', 'ISSUER');
  const audience = option('audience', 'AUDIENCE') || issuer;
  const port = Number(option('port', 'PORT') || 0);
  if (!issuer) throw new Error('--issuer is required');
  const jwksUri = option('jwks-uri', 'JWKS_URI') || (await jwksUriOf(issuer));
  const cacheMaxAge = 1000 * Number(option('jwks-max-age', 'JWKS_MAX_AGE') || 600);

  const app = express();
  app.get('/healthz', (req, res) => res.send('up'));
  app.use(
    expressjwt({
      secret: jwksRsa.expressJwtSecret({
        jwksUri,
        cache: true,
        cacheMaxAge,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
      }),
      algorithms: ['ES256', 'RS256'],
      audience,
      issuer,
      getToken: bearerToken,
    }),
  );
  app.use(requireAccessTokenType);
  app.get('/me', (req, res) => res.json({ sub: req.auth.sub, scope: req.auth.scope, sid: req.auth.sid }));
  app.use((err, req, res, next) => {
    if (err.name !== 'UnauthorizedError') return next(err);
    const error = err.code === 'credentials_required' ? '' : ', error="invalid_token"';
    res.status(401).set('WWW-Authenticate', `Bearer realm="${audience}"${error}`).json({ error: 'invalid_token' });
  });

  const server = app.listen(port, '127.0.0.1', () => {
    console.log(`ready on port ${server.address().port}`);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
