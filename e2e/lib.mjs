// Shared helpers for the end-to-end scripts: a tiny cookie jar and the hosted login form,
// driven with fetch exactly as a browser without JavaScript would drive it; and the code of
// an authenticator app.

import { createHmac } from 'node:crypto';

export class CookieJar {
  constructor() {
    this.cookies = new Map();
  }

  absorb(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header() {
    return [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ');
  }
}

/** The value of a hidden input in a hosted page. */
export function hidden(html, name) {
  const match = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  if (!match) throw new Error(`no hidden input ${name} in page:\n${html}`);
  return match[1].replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/**
 * Follows the hosted pages from an authorization URL to the redirect back to the client:
 * logs in with the form (CSRF token, Origin header, cookies) and consents when asked.
 * Returns the final redirect URL.
 */
export async function signInThroughPages(authorizationUrl, redirectPrefix, username, password) {
  const jar = new CookieJar();
  const origin = new URL(authorizationUrl).origin;
  let url = authorizationUrl.toString();
  let init = { method: 'GET' };
  for (let step = 0; step < 10; step++) {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers ?? {}), cookie: jar.header() },
    });
    jar.absorb(response);
    if (response.status === 303 || response.status === 302) {
      const next = new URL(response.headers.get('location'), url).toString();
      if (next.startsWith(redirectPrefix)) return next;
      url = next;
      init = { method: 'GET' };
      continue;
    }
    const html = await response.text();
    if (response.status !== 200) throw new Error(`unexpected ${response.status} at ${url}:\n${html}`);
    const form = new URLSearchParams({ interaction: hidden(html, 'interaction'), csrf: hidden(html, 'csrf') });
    // The form's own action: under the issuer's path when the issuer has one.
    const action = html.match(/<form method="post" action="([^"]*)"/)?.[1] ?? '';
    if (action.endsWith('/login')) {
      form.set('username', username);
      form.set('password', password);
      url = new URL(action, url).toString();
    } else if (action.endsWith('/consent')) {
      form.set('decision', 'allow');
      url = new URL(action, url).toString();
    } else {
      throw new Error(`unexpected page at ${url}:\n${html}`);
    }
    init = {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    };
  }
  throw new Error('too many steps');
}

export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

/** RFC 4648 base32, as an authenticator app reads the key a page shows. */
export function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
}

/** RFC 6238 TOTP (RFC 4226 §5.3 truncation) of `key`: SHA-1, 6 digits, 30 s steps, at `seconds`. */
export function totp(key, seconds) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(seconds / 30)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

