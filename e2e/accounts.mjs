// Users helping themselves in a real browser: headless Chromium (Debian's package) driven by
// Playwright signs up, verifies its address through the link e-mailed to the test's SMTP
// server, signs in to a client, ends that client's session from the account page, then
// resets a forgotten password and signs in with the new one.
//
// The e-mails arrive at the SMTP server the Rust test runs: when the script needs a link it
// prints `LINK? <path>` and reads the link on its standard input.
//
// Environment: ISSUER, CLIENT_ID (a public client for http://127.0.0.1/callback),
// SCREENSHOT_DIR, CHROMIUM (optional).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { runInChromium } from './chromium.mjs';
import { env } from './lib.mjs';

const issuer = env('ISSUER').replace(/\/$/, '');
const clientId = env('CLIENT_ID');
const screenshots = env('SCREENSHOT_DIR');
const redirectUri = 'http://127.0.0.1/callback';
const email = 'pat@example.com';
const firstPassword = 'lanterns over the harbour';
const secondPassword = 'a quiet orchard in june';

const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function linkFromMail(path) {
  console.log(`LINK? ${path}`);
  const { value } = await stdin.next();
  assert.ok(value?.startsWith(`${issuer}${path}?token=`), `link: ${value}`);
  return value;
}

/** Signs in through the hosted pages; returns the authorization code the client receives. */
async function signIn(tab, password) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: 'openid offline_access',
    code_challenge: challenge, code_challenge_method: 'S256', state: 'xyz',
  });
  await tab.goto(`${issuer}/authorize?${query}`);
  await tab.getByRole('link', { name: 'Forgot password?' }).waitFor();
  await tab.getByRole('link', { name: 'Create an account' }).waitFor();
  await tab.getByLabel('Username').fill(email);
  await tab.getByLabel('Password', { exact: true }).fill(password);
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Consent is asked once per client; a second sign-in goes straight back.
  const allow = tab.getByRole('button', { name: 'Allow' });
  await Promise.race([tab.waitForURL((u) => u.href.startsWith(redirectUri)), allow.waitFor()]);
  if (!tab.url().startsWith(redirectUri)) await allow.click();
  await tab.waitForURL((u) => u.href.startsWith(redirectUri));
  const code = new URL(tab.url()).searchParams.get('code');
  assert.ok(code);
  return { code, verifier };
}

async function token(form) {
  const response = await fetch(`${issuer}/token`, { method: 'POST', body: new URLSearchParams(form) });
  return { status: response.status, body: await response.json() };
}

await runInChromium('accounts', screenshots, async (context, tab) => {
  // The client's redirect URI: answered here, the browser only needs to arrive.
  await context.route(`${redirectUri}**`, (route) => route.fulfill({ status: 200, body: 'client callback' }));
  // Sign up, then verify the address through the e-mailed link.
  await tab.goto(`${issuer}/signup`);
  await tab.getByLabel('E-mail address', { exact: true }).fill(email);
  await tab.getByLabel('Password', { exact: true }).fill(firstPassword);
  await tab.getByRole('button', { name: 'Create the account' }).click();
  await tab.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  await tab.goto(await linkFromMail('/verify-email'));
  await tab.getByRole('button', { name: 'Verify' }).click();
  await tab.getByRole('heading', { name: 'Your e-mail address is verified' }).waitFor();
  console.log('accounts: sign-up and e-mail verification: ok');

  // Sign in to the client; the client gets its tokens.
  const { code, verifier } = await signIn(tab, firstPassword);
  const tokens = await token({
    grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirectUri,
  });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  console.log('accounts: sign-in after verification: ok');

  // The account page lists the client's session and ends it.
  await tab.goto(`${issuer}/account`);
  await tab.getByRole('heading', { name: 'Your account' }).waitFor();
  await tab.screenshot({ path: join(screenshots, 'account.png') });
  await tab.getByRole('button', { name: 'End this session' }).click();
  await tab.getByText('The session was ended.').waitFor();
  const refused = await token({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: clientId });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error, 'invalid_grant');
  console.log('accounts: the account page ended the client session: ok');

  // Forgot the password: the link, a new password, then sign in with it.
  await tab.goto(`${issuer}/forgot-password`);
  await tab.getByLabel('E-mail address', { exact: true }).fill(email);
  await tab.getByRole('button', { name: 'Send the link' }).click();
  await tab.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  await tab.goto(await linkFromMail('/reset-password'));
  await tab.getByLabel('New password').fill(secondPassword);
  await tab.getByRole('button', { name: 'Change the password' }).click();
  await tab.getByRole('heading', { name: 'Your password was changed' }).waitFor();
  await signIn(tab, secondPassword);
  console.log('accounts: forgotten password, reset and sign-in with the new one: ok');
  console.log('accounts: all checks passed');
});
