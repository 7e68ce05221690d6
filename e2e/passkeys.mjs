// Passkeys in a real browser (docs/architecture.md, "Passkeys"): headless Chromium driven by
// Playwright, with Chrome's virtual authenticator (CDP WebAuthn domain: CTAP2, resident keys,
// user verification) standing in for a phone or a security key. The user registers a passkey
// on the account page, signs out, signs in without a password, and the client's tokens say
// so (`amr`); on a client that requires a second factor, the password then the passkey
// ("Use a passkey") sign in, and the tokens say both. Then the attacker's side: an assertion
// made for another origin (a phishing site's) and a credential claiming another user are
// refused, and so is a removed passkey, alone or as the second factor.
//
// Environment: ISSUER (http://localhost:<port>: WebAuthn needs a domain, not an IP),
// CLIENT_ID (a public client), MFA_CLIENT_ID (one with mfa=required), REDIRECT_URI (its redirect URI: a page of the issuer, so the
// browser lands somewhere real), USERNAME and PASSWORD of a user,
// SCREENSHOT_DIR, CHROMIUM (optional).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { runInChromium } from './chromium.mjs';
import { env } from './lib.mjs';

const issuer = env('ISSUER').replace(/\/$/, '');
const clientId = env('CLIENT_ID');
const mfaClientId = env('MFA_CLIENT_ID');
const username = env('USERNAME');
const password = env('PASSWORD');
const screenshots = env('SCREENSHOT_DIR');
const redirectUri = env('REDIRECT_URI');
const passkeyRefused = 'That passkey could not sign you in.';

/** A tab with its own virtual authenticator (CDP: one per target). */
async function withAuthenticator(tab) {
  const cdp = await tab.context().newCDPSession(tab);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/** Starts the authorization request and waits for the login page; returns the PKCE verifier. */
async function openLogin(tab, client = clientId) {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    response_type: 'code', client_id: client, redirect_uri: redirectUri, scope: 'openid offline_access',
    code_challenge: challenge, code_challenge_method: 'S256', state: 'xyz', nonce: 'n-0S6_WzA2Mj',
  });
  await tab.goto(`${issuer}/authorize?${query}`);
  await tab.getByRole('button', { name: 'Sign in with a passkey' }).waitFor();
  return verifier;
}

/** Consents when asked, then returns the code the client receives. */
async function codeAfterSignIn(tab) {
  const allow = tab.getByRole('button', { name: 'Allow' });
  await Promise.race([tab.waitForURL((u) => u.href.startsWith(redirectUri)), allow.waitFor()]);
  if (!tab.url().startsWith(redirectUri)) await allow.click();
  await tab.waitForURL((u) => u.href.startsWith(redirectUri));
  const code = new URL(tab.url()).searchParams.get('code');
  assert.ok(code);
  return code;
}

async function tokens(code, verifier, client = clientId) {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, code_verifier: verifier, client_id: client, redirect_uri: redirectUri,
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());

async function signOut(tab) {
  await tab.goto(`${issuer}/logout`);
  await tab.getByRole('button', { name: 'Sign out' }).click();
  await tab.waitForLoadState();
}

/** Signs in with the passkey; the login page again with the refusal when `refused`. */
async function passkeySignIn(tab, { refused = false } = {}) {
  const verifier = await openLogin(tab);
  await tab.getByRole('button', { name: 'Sign in with a passkey' }).click();
  if (refused) {
    await tab.getByText(passkeyRefused).waitFor();
    return null;
  }
  return tokens(await codeAfterSignIn(tab), verifier);
}

/**
 * Runs the sign-in ceremony's options on the real login page, has `phishingTab` (another
 * origin, with its own authenticator holding `credential` for its own relying party) answer
 * them, and submits that answer on the real page.
 */
async function relayFromAnotherOrigin(tab, phishingTab, phishingRpId) {
  await openLogin(tab);
  const options = await tab.evaluate(async () => {
    const form = document.querySelector('form[data-passkey-options]');
    const body = new URLSearchParams({ csrf: form.elements.csrf.value });
    return (await fetch(form.dataset.passkeyOptions, { method: 'POST', body })).json();
  });
  const answer = await phishingTab.evaluate(async ({ challenge, rpId }) => {
    const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const b64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
      .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const credential = await navigator.credentials.get({
      publicKey: { challenge: bytes(challenge), rpId, userVerification: 'required' },
    });
    const r = credential.response;
    return JSON.stringify({
      id: credential.id, rawId: b64(credential.rawId), type: credential.type, extensions: {},
      response: {
        clientDataJSON: b64(r.clientDataJSON), authenticatorData: b64(r.authenticatorData),
        signature: b64(r.signature), userHandle: r.userHandle ? b64(r.userHandle) : null,
      },
    });
  }, { challenge: options.publicKey.challenge, rpId: phishingRpId });
  await tab.evaluate(({ ceremony, credential }) => {
    const form = document.querySelector('form[data-passkey-options]');
    form.elements.ceremony.value = ceremony;
    form.elements.credential.value = credential;
    form.submit();
  }, { ceremony: options.ceremony, credential: answer });
  await tab.getByText(passkeyRefused).waitFor();
}

await runInChromium('passkeys', screenshots, async (context, tab) => {
  const { cdp, authenticatorId } = await withAuthenticator(tab);

  // Sign in with the password, then register a passkey on the account page.
  const verifier = await openLogin(tab);
  await tab.getByLabel('Username').fill(username);
  await tab.getByLabel('Password', { exact: true }).fill(password);
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  await tokens(await codeAfterSignIn(tab), verifier);
  await tab.goto(`${issuer}/account`);
  await tab.getByLabel('Name of the new passkey').fill('laptop');
  await tab.getByRole('button', { name: 'Add a passkey' }).click();
  await tab.getByText('The passkey \u201claptop\u201d was added.').waitFor();
  await tab.locator('li[data-passkey="laptop"]', { hasText: 'never used' }).waitFor();
  await tab.screenshot({ path: join(screenshots, 'account.png') });
  const [stored] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  assert.equal(stored.isResidentCredential, true, 'a discoverable credential');
  assert.equal(stored.rpId, new URL(issuer).hostname);
  console.log('passkeys: registered on the account page: ok');

  // Signed out, the passkey alone signs in; the tokens say how.
  await signOut(tab);
  const signedIn = await passkeySignIn(tab);
  assert.deepEqual(claims(signedIn.id_token).amr, ['hwk', 'mfa']);
  assert.deepEqual(claims(signedIn.access_token).amr, ['hwk', 'mfa']);
  assert.equal(claims(signedIn.id_token).nonce, 'n-0S6_WzA2Mj');
  await tab.goto(`${issuer}/account`);
  await tab.locator('li[data-passkey="laptop"]', { hasText: 'last used' }).waitFor();
  console.log('passkeys: passwordless sign-in, amr ["hwk","mfa"] in the ID and access tokens: ok');

  // The password, then the passkey as the second factor of a client that requires one.
  await signOut(tab);
  const mfaVerifier = await openLogin(tab, mfaClientId);
  await tab.getByLabel('Username').fill(username);
  await tab.getByLabel('Password', { exact: true }).fill(password);
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  await tab.getByRole('button', { name: 'Use a passkey' }).click();
  const twoFactors = await tokens(await codeAfterSignIn(tab), mfaVerifier, mfaClientId);
  assert.deepEqual(claims(twoFactors.id_token).amr, ['pwd', 'hwk', 'mfa']);
  assert.equal(claims(twoFactors.access_token).acr, 'urn:latchkey:acr:mfa');
  // Its session ends, so that the passkey is no longer a factor that client holds on to.
  const revoked = await fetch(`${issuer}/revoke`, {
    method: 'POST', body: new URLSearchParams({ token: twoFactors.refresh_token, client_id: mfaClientId }),
  });
  assert.equal(revoked.status, 200);
  console.log('passkeys: the password then a passkey as second factor, amr ["pwd","hwk","mfa"]: ok');

  // A phishing origin's assertion, relayed to the real login page, is refused: its
  // clientDataJSON names the other origin and its authenticator data the other relying party.
  const phishingTab = await context.newPage();
  const phishingHost = `phishing.${new URL(issuer).hostname}`;
  const phishingOrigin = `${new URL(issuer).protocol}//${phishingHost}:${new URL(issuer).port}`;
  await phishingTab.goto(`${phishingOrigin}/healthz`);
  const phishing = await withAuthenticator(phishingTab);
  await phishing.cdp.send('WebAuthn.addCredential', {
    authenticatorId: phishing.authenticatorId,
    credential: { ...stored, rpId: phishingHost, signCount: stored.signCount + 10 },
  });
  await signOut(tab);
  await relayFromAnotherOrigin(tab, phishingTab, phishingHost);
  console.log('passkeys: an assertion for another origin is refused: ok');

  // The same credential id and key claiming another user (user handle) is refused.
  await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: stored.credentialId });
  await cdp.send('WebAuthn.addCredential', {
    authenticatorId,
    credential: { ...stored, userHandle: randomBytes(16).toString('base64'), signCount: stored.signCount + 20 },
  });
  await passkeySignIn(tab, { refused: true });
  await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: stored.credentialId });
  await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...stored, signCount: stored.signCount + 30 } });
  console.log('passkeys: a credential claiming another user is refused: ok');

  // Removed from the account (right after a sign-in with it: recent, a factor), it signs in
  // no more. A second passkey, on another device (a tab with its own authenticator), stays.
  await passkeySignIn(tab);
  const phoneTab = await context.newPage();
  await withAuthenticator(phoneTab);
  await phoneTab.goto(`${issuer}/account`);
  await phoneTab.getByLabel('Name of the new passkey').fill('phone');
  await phoneTab.getByRole('button', { name: 'Add a passkey' }).click();
  await phoneTab.getByText('The passkey \u201cphone\u201d was added.').waitFor();
  await tab.goto(`${issuer}/account`);
  await tab.getByRole('button', { name: 'Remove laptop' }).click();
  await tab.getByText('The passkey was removed.').waitFor();
  await signOut(tab);
  await passkeySignIn(tab, { refused: true });
  console.log('passkeys: a removed passkey is refused: ok');

  // Nor is it a second factor: the page asks for alice's passkeys (the phone's), and the
  // removed one, offered anyway (an assertion made without that list), is refused.
  await openLogin(tab, mfaClientId);
  await tab.getByLabel('Username').fill(username);
  await tab.getByLabel('Password', { exact: true }).fill(password);
  await tab.getByRole('button', { name: 'Sign in', exact: true }).click();
  await tab.getByRole('button', { name: 'Use a passkey' }).waitFor();
  await tab.evaluate(async () => {
    const form = document.querySelector('form[data-passkey-options]');
    const body = new URLSearchParams({ csrf: form.elements.csrf.value, interaction: form.elements.interaction.value });
    const options = await (await fetch(form.dataset.passkeyOptions, { method: 'POST', body })).json();
    const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const b64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
      .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const credential = await navigator.credentials.get({
      publicKey: { challenge: bytes(options.publicKey.challenge), userVerification: 'required' },
    });
    const r = credential.response;
    form.elements.ceremony.value = options.ceremony;
    form.elements.credential.value = JSON.stringify({
      id: credential.id, rawId: b64(credential.rawId), type: credential.type, extensions: {},
      response: {
        clientDataJSON: b64(r.clientDataJSON), authenticatorData: b64(r.authenticatorData),
        signature: b64(r.signature), userHandle: r.userHandle ? b64(r.userHandle) : null,
      },
    });
    form.submit();
  });
  await tab.getByText('That passkey could not be used.').waitFor();
  console.log('passkeys: a removed passkey is refused as the second factor: ok');
  console.log('passkeys: all checks passed');
});
