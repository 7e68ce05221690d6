// Shared by the browser tests of pages behind a BFF: headless Chromium (Debian's package)
// under Playwright, and the checks that the page never holds a token (the IETF's OAuth 2.0
// for Browser-Based Applications, §6.1: the tokens stay in the BFF).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

/** A persistent Chromium context in a new profile directory named after `name`. */
export async function launchChromium(name) {
  const userDataDir = mkdtempSync(join(tmpdir(), `latchkey-${name}-`));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return { context, userDataDir };
}

/** The URLs of `origin`'s responses whose body carried a token (filled as they arrive). */
export function watchTokenLeaks(context, origin) {
  const jwt = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;
  const leaks = [];
  context.on('response', async (response) => {
    if (new URL(response.url()).origin !== origin) return;
    const body = await response.text().catch(() => '');
    if (jwt.test(body) || /access_token|refresh_token|id_token/.test(body)) leaks.push(response.url());
  });
  return leaks;
}

/** What scripts on the page can see: cookies and the number of storage entries. */
export function visibleState(tab) {
  return tab.evaluate(() => ({
    cookie: document.cookie,
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
  }));
}
