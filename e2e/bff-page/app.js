// The page `latchkey bff --static e2e/bff-page` serves (e2e/bff-express.mjs drives it): it
// never sees a token, only the BFF's HttpOnly cookie, which the browser attaches itself.
// Every API call carries the CSRF header the BFF requires.
'use strict';

const csrf = { 'X-Latchkey-CSRF': '1' };

async function show() {
  const user = await fetch('/bff/user', { headers: csrf });
  if (user.status === 401) {
    document.getElementById('who').textContent = 'You are signed out.';
    document.getElementById('sign-in').hidden = false;
    return;
  }
  const claims = await user.json();
  document.getElementById('who').textContent = `Signed in as ${claims.sub}`;
  const me = await fetch('/api/me', { headers: csrf });
  document.getElementById('me').textContent = me.ok ? await me.text() : `HTTP ${me.status}`;
}

show();
