// panva's oauth4webapi (it implements RFC 9449) against a running Latchkey and the example
// bank behind latchkey-guard: DPoP-bound tokens from the authorization-code flow with PKCE
// and `dpop_jkt`, a refresh, and calls to the bank, with server nonces at the token endpoint
// and at the bank (oauth4webapi reports them as DPoP nonce errors; the handle keeps the nonce
// and the request is sent again). A bound token sent as Bearer is refused.
//
// Environment: ISSUER, CLIENT_ID, REDIRECT_URI, USERNAME, PASSWORD, BANK.
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';

import { env, signInThroughPages } from './lib.mjs';

const issuer = new URL(env('ISSUER'));
const redirectUri = env('REDIRECT_URI');
const bank = env('BANK');
const insecure = { [oauth.allowInsecureRequests]: true }; // plain http on loopback

const as = await oauth.processDiscoveryResponse(
  issuer,
  await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
);
assert.deepEqual(as.dpop_signing_alg_values_supported, ['ES256', 'EdDSA', 'RS256']);
const client = { client_id: env('CLIENT_ID') };
const clientAuth = oauth.None();
const DPoP = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
console.log('discovery: ok');

/** Runs `attempt` again once when it failed for want of a DPoP nonce (RFC 9449 §8, §9). */
async function retryingNonce(attempt) {
  try {
    return await attempt();
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return attempt();
  }
}

// Authorization code + PKCE, the code bound to the key with dpop_jkt (§10).
const codeVerifier = oauth.generateRandomCodeVerifier();
const authorizationUrl = new URL(as.authorization_endpoint);
for (const [name, value] of Object.entries({
  client_id: client.client_id,
  redirect_uri: redirectUri,
  response_type: 'code',
  scope: 'bank:read bank:write',
  code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
  code_challenge_method: 'S256',
  dpop_jkt: await DPoP.calculateThumbprint(),
})) {
  authorizationUrl.searchParams.set(name, value);
}
const callback = await signInThroughPages(authorizationUrl.href, redirectUri, env('USERNAME'), env('PASSWORD'));
const params = oauth.validateAuthResponse(as, client, new URL(callback), oauth.skipStateCheck);
const tokens = await retryingNonce(async () =>
  oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, codeVerifier, {
      DPoP,
      ...insecure,
    }),
  ),
);
assert.equal(tokens.token_type, 'dpop');
assert.ok(tokens.refresh_token, 'a refresh token');
console.log('authorization code with DPoP: ok');

/** `method path` at the bank with the bound token, retrying once for a nonce. */
async function callBank(token, method, path, body) {
  const headers = new Headers();
  if (body) {
    headers.set('content-type', 'application/json');
    headers.set('idempotency-key', `oauth4webapi-${path}-${Date.now()}`);
  }
  const response = await retryingNonce(() =>
    oauth.protectedResourceRequest(token, method, new URL(path, bank), headers, body && JSON.stringify(body), {
      DPoP,
      ...insecure,
    }),
  );
  assert.equal(response.status, 200, `${method} ${path}: ${await response.clone().text()}`);
  return response.json();
}

assert.equal((await callBank(tokens.access_token, 'POST', '/deposit', { amount: 1200 })).balance, 1200);
assert.equal((await callBank(tokens.access_token, 'GET', '/balance')).balance, 1200);
console.log('bank calls with DPoP: ok');

const refreshed = await retryingNonce(async () =>
  oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, clientAuth, tokens.refresh_token, { DPoP, ...insecure }),
  ),
);
assert.equal(refreshed.token_type, 'dpop');
assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'rotated');
assert.equal((await callBank(refreshed.access_token, 'GET', '/balance')).balance, 1200);
console.log('refresh with DPoP: ok');

// The bound token without its key: sent as a bearer token, the bank refuses it.
const stolen = await fetch(new URL('/balance', bank), {
  headers: { authorization: `Bearer ${refreshed.access_token}` },
});
assert.equal(stolen.status, 401);
assert.match(stolen.headers.get('www-authenticate'), /^DPoP /);
console.log('a bound token as Bearer is refused: ok');
