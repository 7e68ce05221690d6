// An authenticator app in a real browser (docs/architecture.md, "Multi-factor
// authentication"): headless Chromium, driven by Playwright, signs in on a client that
// requires a second factor as a user who has none. After the password it is led to the
// enrolment; like a person with an authenticator app, the test reads the key off the page and
// computes the code (RFC 6238, `totp` in lib.mjs), turns two-step verification on, sees the
// recovery codes once and continues to the client, whose tokens say `pwd`, `otp`, `mfa`. A
// second sign-in asks for the code instead of enrolling again.
//
// Environment: ISSUER, CLIENT_ID (a public client with mfa=required), REDIRECT_URI (a page of
// the issuer), USERNAME and PASSWORD of a user without a factor, NOW (the server's clock, in
// seconds: the test's clock stands still, and the app's must agree with it), SCREENSHOT_DIR,
// CHROMIUM (optional).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { runInChromium } from './chromium.mjs';
import { base32, env, totp } from './lib.mjs';

const issuer = env('ISSUER').replace(/\/$/, '');
const clientId = env('CLIENT_ID');
const redirectUri = env('REDIRECT_URI');
const username = env('USERNAME');
const password = env('PASSWORD');
const screenshots = env('SCREENSHOT_DIR');
const now = Number(env('NOW'));

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

/** The authorization request up to the password; returns the PKCE verifier. */
async function signInWithPassword(tab) {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    state: 'xyz', nonce: 'n-0S6_WzA2Mj',
  });
  await tab.goto(`${issuer}/authorize?${query}`);
  await tab.getByLabel('Username').fill(username);
  await tab.getByLabel('Password', { exact: true }).fill(password);
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  return verifier;
}

/** The code the client receives, exchanged: the claims of its ID token. */
async function idTokenClaims(tab, verifier) {
  await tab.waitForURL((u) => u.href.startsWith(redirectUri));
  const code = new URL(tab.url()).searchParams.get('code');
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirectUri,
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return claims(body.id_token);
}

await runInChromium('mfa', screenshots, async (context, tab) => {
  // No factor yet: the enrolment, right after the password.
  let verifier = await signInWithPassword(tab);
  await tab.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
  const key = base32((await tab.locator('#totp-secret').textContent()).trim());
  assert.equal(await tab.locator('.qr svg').count(), 1, 'the QR code, inline');
  await tab.getByLabel('Code from the app').fill(totp(key, now));
  await tab.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await tab.getByRole('heading', { name: 'Two-step verification is on' }).waitFor();
  assert.equal(await tab.locator('#recovery-codes li').count(), 10);
  await tab.screenshot({ path: join(screenshots, 'recovery-codes.png') });
  await tab.getByRole('link', { name: 'Continue' }).click();
  let signedIn = await idTokenClaims(tab, verifier);
  assert.deepEqual(signedIn.amr, ['pwd', 'otp', 'mfa']);
  assert.equal(signedIn.acr, 'urn:latchkey:acr:mfa');
  console.log('mfa: led to enrolment after the password, then on to the client, amr ["pwd","otp","mfa"]: ok');

  // A new browser: the password, then the code (the next step's: the enrolment spent this one).
  await context.clearCookies();
  verifier = await signInWithPassword(tab);
  await tab.getByRole('heading', { name: 'Two-step verification', exact: true }).waitFor();
  await tab.getByLabel('Code', { exact: true }).fill(totp(key, now + 30));
  await tab.getByRole('button', { name: 'Verify' }).click();
  signedIn = await idTokenClaims(tab, verifier);
  assert.deepEqual(signedIn.amr, ['pwd', 'otp', 'mfa']);
  console.log('mfa: a second sign-in asks for the code: ok');
  console.log('mfa: all checks passed');
});
