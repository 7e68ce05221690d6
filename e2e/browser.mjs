// A real browser through Latchkey's hosted pages: headless Chromium (Debian's package),
// driven by Playwright, signs in to a small relying party served by this script, consents,
// lets the relying party exchange the code and read UserInfo, then signs out.
// On failure it saves a screenshot to $SCREENSHOT_DIR/failure.png.
//
// Environment: ISSUER, CLIENT_ID, USERNAME, PASSWORD, SCREENSHOT_DIR, CHROMIUM (optional),
// IGNORE_HTTPS_ERRORS=1 (optional: an issuer behind a self-signed certificate; Node itself
// then needs NODE_EXTRA_CA_CERTS).
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as client from 'openid-client';
import { chromium } from 'playwright-core';

import { env } from './lib.mjs';

const issuer = new URL(env('ISSUER'));
const screenshots = env('SCREENSHOT_DIR');
mkdirSync(screenshots, { recursive: true });

const config = await client.discovery(issuer, env('CLIENT_ID'), undefined, client.None(), {
  execute: [client.allowInsecureRequests],
});

// --- the relying party -------------------------------------------------------------------
const pending = new Map(); // state -> { verifier, nonce }
let signedIn = null; // { tokens, userinfo }
let rpBase = '';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head>` +
  `<body><h1>${esc(title)}</h1>${body}</body></html>`;

const rp = createServer(async (req, res) => {
  const url = new URL(req.url, rpBase);
  const send = (status, html, headers = {}) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(html);
  };
  try {
    if (url.pathname === '/') {
      send(200, page('Example RP', signedIn
        ? `<p id="who">Signed in as ${esc(signedIn.userinfo.preferred_username)}</p><a href="/logout">Sign out</a>`
        : '<a href="/login">Sign in</a>'));
    } else if (url.pathname === '/login') {
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      pending.set(state, { verifier, nonce });
      const target = client.buildAuthorizationUrl(config, {
        redirect_uri: `${rpBase}/callback`,
        scope: 'openid profile email offline_access',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      send(302, '', { location: target.href });
    } else if (url.pathname === '/callback') {
      const state = url.searchParams.get('state');
      const checks = pending.get(state);
      pending.delete(state);
      if (!checks) throw new Error('unknown state');
      const tokens = await client.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: checks.verifier,
        expectedState: state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
      signedIn = { tokens, userinfo };
      send(200, page('Example RP', `<p id="who">Signed in as ${esc(userinfo.preferred_username)}</p>` +
        `<p id="email">${esc(userinfo.email)}</p><a href="/logout">Sign out</a>`));
    } else if (url.pathname === '/logout') {
      const target = client.buildEndSessionUrl(config, {
        id_token_hint: signedIn.tokens.id_token,
        post_logout_redirect_uri: `${rpBase}/signed-out`,
        state: 'bye',
      });
      send(302, '', { location: target.href });
    } else if (url.pathname === '/signed-out') {
      assert.equal(url.searchParams.get('state'), 'bye');
      let refresh = 'refresh still works';
      try {
        await client.refreshTokenGrant(config, signedIn.tokens.refresh_token);
      } catch (e) {
        refresh = `refresh refused: ${e.error ?? e.message}`;
      }
      signedIn = null;
      send(200, page('Signed out of Example RP', `<p id="refresh">${esc(refresh)}</p><a href="/login">Sign in</a>`));
    } else {
      send(404, page('Not found', ''));
    }
  } catch (e) {
    console.error('relying party error:', e);
    send(500, page('Relying party error', `<pre id="error">${esc(e.stack ?? e)}</pre>`));
  }
});
await new Promise((resolve) => rp.listen(0, '127.0.0.1', resolve));
rpBase = `http://127.0.0.1:${rp.address().port}`;

// --- the browser ---------------------------------------------------------------------------
const userDataDir = mkdtempSync(join(tmpdir(), 'latchkey-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  ignoreHTTPSErrors: process.env.IGNORE_HTTPS_ERRORS === '1',
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const tab = context.pages()[0] ?? (await context.newPage());
tab.setDefaultTimeout(30_000);
let status = 0;
try {
  await tab.goto(`${rpBase}/`);
  await tab.getByRole('link', { name: 'Sign in' }).click();

  // Latchkey's login page: labelled inputs, a form that posts under the issuer's path.
  await tab.waitForURL((u) => u.href.startsWith(issuer.href));
  const issuerPath = issuer.pathname.replace(/\/$/, '');
  assert.equal(await tab.locator('form:has(input[name="password"])').getAttribute('action'), `${issuerPath}/login`);
  await tab.getByLabel('Username').fill(env('USERNAME'));
  await tab.getByLabel('Password').fill(env('PASSWORD'));
  await tab.screenshot({ path: join(screenshots, 'login.png') });
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();

  // The consent page lists the scopes in words.
  await tab.getByRole('heading', { name: 'Allow access?' }).waitFor();
  assert.ok(tab.url().startsWith(`${issuer.origin}${issuerPath}/authorize/resume?`), tab.url());
  // The session cookie is scoped to the issuer's path (RFC 6265 §5.2.4).
  const session = (await context.cookies(issuer.href)).find((c) => c.name.endsWith('latchkey_session'));
  assert.equal(session?.path, issuerPath || '/');
  assert.equal(session?.httpOnly, true);
  for (const words of ['Know who you are', 'See your username and profile', 'See your email address', 'Stay connected']) {
    await tab.getByText(words).waitFor();
  }
  await tab.screenshot({ path: join(screenshots, 'consent.png') });
  await tab.getByRole('button', { name: 'Allow' }).click();

  // Back at the relying party, which exchanged the code and read UserInfo.
  await tab.waitForURL((u) => u.href.startsWith(`${rpBase}/callback`));
  assert.equal(await tab.locator('#who').textContent(), `Signed in as ${env('USERNAME')}`);
  assert.match(await tab.locator('#email').textContent(), /@/);
  console.log('browser: login, consent, code exchange and userinfo: ok');

  // RP-initiated logout ends the browser session and the refresh session.
  await tab.getByRole('link', { name: 'Sign out' }).click();
  await tab.waitForURL((u) => u.href.startsWith(`${rpBase}/signed-out`));
  assert.match(await tab.locator('#refresh').textContent(), /refresh refused: invalid_grant/);
  console.log('browser: logout ended the refresh session: ok');

  // Signed out at Latchkey too: signing in again shows the login page.
  await tab.getByRole('link', { name: 'Sign in' }).click();
  await tab.waitForURL((u) => u.href.startsWith(issuer.href));
  await tab.getByLabel('Password').waitFor();
  console.log('browser: the single-sign-on session is gone: ok');
  console.log('browser: all checks passed');
} catch (e) {
  status = 1;
  console.error('browser test failed:', e);
  await tab.screenshot({ path: join(screenshots, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`screenshot: ${join(screenshots, 'failure.png')}`);
} finally {
  await context.close();
  rp.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(status);
