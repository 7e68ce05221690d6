// Federation in a real browser: headless Chromium signs in to a small relying party through
// Latchkey's "Continue with acme" button, the upstream provider (upstream-provider.mjs,
// started by the Rust test) and back; the relying party validates Latchkey's ID token with
// openid-client and checks that it names the federated login (amr, idp) and that UserInfo
// has the upstream profile. On failure: $SCREENSHOT_DIR/federation-failure.png.
//
// Environment: ISSUER, CLIENT_ID, SCREENSHOT_DIR, CHROMIUM (optional).
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

let rpBase = '';
const checks = { verifier: client.randomPKCECodeVerifier(), state: client.randomState(), nonce: client.randomNonce() };
let result = null;
const rp = createServer(async (req, res) => {
  const url = new URL(req.url, rpBase);
  try {
    if (url.pathname === '/login') {
      const target = client.buildAuthorizationUrl(config, {
        redirect_uri: `${rpBase}/callback`,
        scope: 'openid profile email',
        code_challenge: await client.calculatePKCECodeChallenge(checks.verifier),
        code_challenge_method: 'S256',
        state: checks.state,
        nonce: checks.nonce,
      });
      res.writeHead(302, { location: target.href }).end();
      return;
    }
    const tokens = await client.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: checks.verifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
    result = { claims, userinfo };
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<h1 id="done">Signed in</h1>');
  } catch (e) {
    console.error('relying party error:', e);
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e.stack ?? e));
  }
});
await new Promise((resolve) => rp.listen(0, '127.0.0.1', resolve));
rpBase = `http://127.0.0.1:${rp.address().port}`;

const userDataDir = mkdtempSync(join(tmpdir(), 'latchkey-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const tab = context.pages()[0] ?? (await context.newPage());
tab.setDefaultTimeout(30_000);
let status = 0;
try {
  await tab.goto(`${rpBase}/login`);
  await tab.getByRole('link', { name: 'Continue with acme' }).click();
  await tab.locator('#done').waitFor();
  assert.deepEqual(result.claims.amr, ['fed']);
  assert.equal(result.claims.idp, 'acme');
  assert.notEqual(result.claims.sub, 'upstream-user-1', 'sub is the local user');
  assert.equal(result.userinfo.email, 'alice@example.com');
  assert.equal(result.userinfo.email_verified, true);
  assert.equal(result.userinfo.name, 'Alice Upstream');
  console.log('federation browser: relying party → Latchkey → upstream → back, ID token valid: ok');
} catch (e) {
  status = 1;
  console.error('federation browser test failed:', e);
  await tab.screenshot({ path: join(screenshots, 'federation-failure.png'), fullPage: true }).catch(() => {});
} finally {
  await context.close();
  rp.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(status);
