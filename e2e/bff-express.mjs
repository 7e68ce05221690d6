// The seed's own stack behind `latchkey bff` in a real browser: headless Chromium (Debian's
// package), driven by Playwright, opens the page the BFF serves with `--static e2e/bff-page`,
// signs in through Latchkey's hosted page and calls the Express + express-jwt + jwks-rsa API
// of interop/node through the BFF. The API answers with the user's claims; the page never
// holds a token: not in a response body, not in document.cookie, not in storage. A call
// without the CSRF header is refused.
//
// Environment: BFF_URL, USERNAME, PASSWORD, USER_ID, SCREENSHOT_DIR, CHROMIUM (optional).
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { env } from './lib.mjs';
import { launchChromium, visibleState, watchTokenLeaks } from './token-free-page.mjs';

const app = new URL(env('BFF_URL'));
const screenshots = env('SCREENSHOT_DIR');
mkdirSync(screenshots, { recursive: true });
const { context, userDataDir } = await launchChromium('bff-express');
const leaks = watchTokenLeaks(context, app.origin);

const tab = context.pages()[0] ?? (await context.newPage());
tab.setDefaultTimeout(30_000);
let status = 0;
try {
  await tab.goto(app.href);
  await tab.getByText('You are signed out.').waitFor();
  await tab.getByRole('link', { name: 'Sign in' }).click();
  await tab.getByLabel('Username').fill(env('USERNAME'));
  await tab.getByLabel('Password').fill(env('PASSWORD'));
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  await tab.waitForURL((u) => u.origin === app.origin && !u.pathname.startsWith('/bff/'));
  await tab.getByText(/^Signed in as /).waitFor();
  await tab.locator('#me').filter({ hasText: /\S/ }).waitFor();
  const me = JSON.parse(await tab.locator('#me').textContent());
  assert.equal(me.sub, env('USER_ID'), 'the Express API saw the signed-in user');
  assert.equal(typeof me.sid, 'string');
  console.log('bff express: sign-in and a call to the Express API through the BFF: ok');

  const state = await visibleState(tab);
  assert.deepEqual(state, { cookie: '', local: 0, session: 0 });
  const session = (await context.cookies(app.href)).find((c) => c.name.endsWith('latchkey-bff'));
  assert.equal(session?.httpOnly, true);
  assert.equal(session?.sameSite, 'Strict');
  console.log('bff express: no token or session cookie visible to the page: ok');

  // The page's own script, minus the CSRF header: the BFF refuses to forward it.
  const bare = await tab.evaluate(async () => (await fetch('/api/me')).status);
  assert.equal(bare, 403);
  console.log('bff express: a call without the CSRF header is refused: ok');

  assert.deepEqual(leaks, [], 'no response body carried a token');
  console.log('bff express: all checks passed');
} catch (e) {
  status = 1;
  console.error('bff express test failed:', e);
  await tab.screenshot({ path: join(screenshots, 'bff-express-failure.png'), fullPage: true }).catch(() => {});
  console.error(`screenshot: ${join(screenshots, 'bff-express-failure.png')}`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(status);
