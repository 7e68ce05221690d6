// panva's openid-client (an OpenID-certified relying-party library) against a running
// Latchkey: discovery, authorization code + PKCE through the hosted pages, the token
// exchange with ID-token validation, UserInfo, and a refresh.
//
// Environment: ISSUER, CLIENT_ID, REDIRECT_URI, USERNAME, PASSWORD.
import assert from 'node:assert/strict';
import * as client from 'openid-client';

import { env, signInThroughPages } from './lib.mjs';

const issuer = new URL(env('ISSUER'));
const redirectUri = env('REDIRECT_URI');

// Discovery (the test server is plain http on loopback).
const config = await client.discovery(issuer, env('CLIENT_ID'), undefined, client.None(), {
  execute: [client.allowInsecureRequests],
});
const metadata = config.serverMetadata();
assert.equal(metadata.issuer, issuer.href.replace(/\/$/, ''));
assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
assert.equal(metadata.authorization_response_iss_parameter_supported, true);
console.log('discovery: ok');

// Authorization request with PKCE, state and nonce.
const codeVerifier = client.randomPKCECodeVerifier();
const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
const state = client.randomState();
const nonce = client.randomNonce();
const authorizationUrl = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: 'openid profile email offline_access',
  code_challenge: codeChallenge,
  code_challenge_method: 'S256',
  state,
  nonce,
});
const callback = await signInThroughPages(authorizationUrl, redirectUri, env('USERNAME'), env('PASSWORD'));
console.log('login and consent through the hosted pages: ok');

// The token exchange: openid-client checks iss (RFC 9207), state, the ID token's signature,
// iss, aud, azp, exp, iat, nonce and at_hash.
const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
  pkceCodeVerifier: codeVerifier,
  expectedState: state,
  expectedNonce: nonce,
  idTokenExpected: true,
});
const claims = tokens.claims();
assert.ok(claims.sub, 'sub');
assert.equal(claims.nonce, nonce);
assert.ok(claims.sid, 'sid');
assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
console.log('token exchange with ID-token validation: ok');

// UserInfo, with the subject checked against the ID token.
const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
assert.equal(userinfo.preferred_username, env('USERNAME'));
assert.ok(userinfo.email, 'email scope gives email');
console.log('userinfo: ok');

// Refresh: a rotated refresh token and a new access token.
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
assert.ok(refreshed.access_token);
assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
console.log('refresh: ok');

// RP-initiated logout URL as openid-client builds it.
const logout = client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token });
const response = await fetch(logout, { redirect: 'manual' });
assert.equal(response.status, 200);
console.log('end session: ok');
console.log('openid-client: all checks passed');
