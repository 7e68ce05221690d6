// The bank's web front end in a real browser: headless Chromium (Debian's package), driven
// by Playwright, signs in through Latchkey's hosted page, deposits, transfers, reloads, acts
// in two tabs at once, makes a large transfer once its sign-in is older than the bank allows
// (the bank's RFC 9470 step-up challenge, asking for a recent multi-factor sign-in, reaches
// the page through the BFF; the page sends the user through a step-up sign-in, where alice
// enrols an authenticator app, and retries the transfer), and signs out in one tab while
// the other finds itself signed out.
// Throughout, no token reaches the page: not in a response body, not in document.cookie,
// not in localStorage or sessionStorage.
//
// Environment: BANK_URL, USERNAME, PASSWORD, RECIPIENT, SCREENSHOT_DIR, STEP_UP_MAX_AGE (the
// bank's maximum authentication age for transfers above 1,000.00, in seconds), CHROMIUM
// (optional).
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

import { base32, env, totp } from './lib.mjs';

const bank = new URL(env('BANK_URL'));
const screenshots = env('SCREENSHOT_DIR');
mkdirSync(screenshots, { recursive: true });

const userDataDir = mkdtempSync(join(tmpdir(), 'latchkey-bank-web-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

// Every body the bank's origin sends the page: none may carry a token.
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;
const leaks = [];
const challenges = [];
context.on('response', async (response) => {
  if (new URL(response.url()).origin !== bank.origin) return;
  if (response.status() === 401) challenges.push(response.headers()['www-authenticate'] ?? '');
  const body = await response.text().catch(() => '');
  if (JWT.test(body) || /access_token|refresh_token|id_token/.test(body)) leaks.push(response.url());
});

async function assertNoTokenInPage(tab) {
  const state = await tab.evaluate(() => ({
    cookie: document.cookie,
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
  }));
  assert.deepEqual(state, { cookie: '', local: 0, session: 0 });
}

const balanceOf = async (tab) => (await tab.locator('#balance').textContent()).trim();

async function act(tab, form, fields, { waitForDone = true } = {}) {
  for (const [label, value] of Object.entries(fields)) await tab.getByLabel(label).fill(value);
  await tab.locator(`#${form} button[type=submit]`).click();
  if (waitForDone) await tab.getByRole('status').filter({ hasText: 'done' }).waitFor();
}

async function signIn(tab) {
  await tab.getByLabel('Username').fill(env('USERNAME'));
  await tab.getByLabel('Password').fill(env('PASSWORD'));
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  await tab.waitForURL((u) => u.origin === bank.origin && !u.pathname.startsWith('/bff/'));
}

/**
 * The step-up sign-in the bank asks for: the password, then (alice has no second factor yet)
 * the enrolment of an authenticator app, whose code the test computes from the key on the
 * page, the recovery codes, and back to the bank.
 */
async function signInWithNewAuthenticator(tab) {
  await tab.getByLabel('Username').fill(env('USERNAME'));
  await tab.getByLabel('Password').fill(env('PASSWORD'));
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  await tab.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
  const key = base32((await tab.locator('#totp-secret').textContent()).trim());
  await tab.getByLabel('Code from the app').fill(totp(key, Date.now() / 1000));
  await tab.getByRole('button', { name: 'Turn on two-step verification' }).click();
  await tab.getByRole('link', { name: 'Continue' }).click();
  await tab.waitForURL((u) => u.origin === bank.origin && !u.pathname.startsWith('/bff/'));
}

const tab = context.pages()[0] ?? (await context.newPage());
tab.setDefaultTimeout(30_000);
let status = 0;
try {
  await tab.goto(bank.href);
  await tab.getByRole('link', { name: 'Sign in' }).click();
  await signIn(tab);
  await tab.getByText(/^Signed in/).waitFor();
  // The balance arrives after the sign-in line: wait for it, then check it exactly.
  await tab.locator('#balance').filter({ hasText: /^0\.00$/ }).waitFor();
  assert.equal(await balanceOf(tab), '0.00');
  const session = (await context.cookies(bank.href)).find((c) => c.name.endsWith('latchkey-bff'));
  assert.equal(session?.httpOnly, true);
  assert.equal(session?.sameSite, 'Strict');
  console.log('bank web: sign-in: ok');

  await act(tab, 'deposit', { 'Amount to deposit': '100.00' });
  await tab.locator('#balance').filter({ hasText: '100.00' }).waitFor();
  await act(tab, 'transfer', { "Recipient's username": env('RECIPIENT'), 'Amount to transfer': '25.50' });
  await tab.locator('#balance').filter({ hasText: '74.50' }).waitFor();
  await act(tab, 'withdraw', { 'Amount to withdraw': '4.50' });
  await tab.locator('#balance').filter({ hasText: '70.00' }).waitFor();
  assert.equal(await tab.locator('#history tr').count(), 3);
  console.log('bank web: deposit, transfer, withdraw, history: ok');

  await tab.reload();
  await tab.getByText(/^Signed in/).waitFor();
  await tab.locator('#balance').filter({ hasText: '70.00' }).waitFor();
  await assertNoTokenInPage(tab);
  console.log('bank web: still signed in after a reload; no token in cookies or storage: ok');

  // Two tabs acting at once: two deposits, each with its own idempotency key.
  const other = await context.newPage();
  other.setDefaultTimeout(30_000);
  await other.goto(bank.href);
  await other.getByText(/^Signed in/).waitFor();
  await Promise.all([
    act(tab, 'deposit', { 'Amount to deposit': '1.00' }),
    act(other, 'deposit', { 'Amount to deposit': '2.00' }),
  ]);
  await other.getByRole('button', { name: 'Refresh' }).click();
  await other.locator('#balance').filter({ hasText: '73.00' }).waitFor();
  console.log('bank web: two tabs at once: ok');

  // Step-up (RFC 9470): a large transfer once the sign-in is older than the bank allows.
  await act(tab, 'deposit', { 'Amount to deposit': '2000.00' });
  await tab.locator('#balance').filter({ hasText: '2073.00' }).waitFor();
  await tab.waitForTimeout((Number(env('STEP_UP_MAX_AGE')) + 2) * 1000);
  await act(tab, 'transfer', { "Recipient's username": env('RECIPIENT'), 'Amount to transfer': '1500.00' },
    { waitForDone: false });
  await tab.waitForURL((u) => u.origin !== bank.origin || u.pathname.startsWith('/bff/'));
  const challenge = challenges.find((c) => c.includes('insufficient_user_authentication')) ?? '';
  assert.match(challenge, /^Bearer realm=".*", error="insufficient_user_authentication", .*max_age="\d+"$/);
  assert.match(challenge, /acr_values="urn:latchkey:acr:mfa"/, 'the bank asks for a second factor');
  await signInWithNewAuthenticator(tab);
  await tab.getByRole('status').filter({ hasText: 'Transfer done.' }).waitFor();
  await tab.locator('#balance').filter({ hasText: '573.00' }).waitFor();
  await assertNoTokenInPage(tab);
  console.log('bank web: a large transfer after an old sign-in steps up with a second factor and is retried: ok');

  // Signing out in one tab signs the other out: its next call gets 401.
  await tab.getByRole('button', { name: 'Sign out' }).click();
  await tab.waitForURL((u) => u.origin !== bank.origin || u.pathname === '/');
  await other.getByRole('button', { name: 'Refresh' }).click();
  await other.getByRole('link', { name: 'Sign in' }).waitFor();
  await other.getByText('You are signed out.').waitFor();
  await assertNoTokenInPage(other);
  console.log('bank web: sign-out in one tab, the other is signed out: ok');

  assert.deepEqual(leaks, [], 'no response body carried a token');
  console.log('bank web: all checks passed');
} catch (e) {
  status = 1;
  console.error('bank web test failed:', e);
  await tab.screenshot({ path: join(screenshots, 'bank-web-failure.png'), fullPage: true }).catch(() => {});
  console.error(`screenshot: ${join(screenshots, 'bank-web-failure.png')}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(status);
