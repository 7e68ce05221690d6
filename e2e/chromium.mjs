// One headless Chromium (Debian's package, or CHROMIUM) for a browser test: a fresh profile,
// one tab, the test's body, and on failure the error and a screenshot of the tab; then the
// process exits with the outcome.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

/**
 * Runs `body(context, tab)` in a new Chromium and exits: 0 when it returned, 1 (with
 * `<screenshots>/failure.png`) when it threw. `label` names the test in the failure message.
 */
export async function runInChromium(label, screenshots, body) {
  mkdirSync(screenshots, { recursive: true });
  const userDataDir = mkdtempSync(join(tmpdir(), 'latchkey-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const tab = context.pages()[0] ?? (await context.newPage());
  tab.setDefaultTimeout(30_000);
  let status = 0;
  try {
    await body(context, tab);
  } catch (e) {
    status = 1;
    console.error(`${label} browser test failed:`, e);
    await tab.screenshot({ path: join(screenshots, 'failure.png'), fullPage: true }).catch(() => {});
    console.error(`screenshot: ${join(screenshots, 'failure.png')}`);
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  process.exit(status);
}
