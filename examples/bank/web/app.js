// The bank's page. It never sees a token: the BFF at this origin keeps them and gives the
// browser an HttpOnly cookie. Every call sends `X-Latchkey-CSRF: 1` (the BFF refuses calls
// without it); a 401 means signed out, here or in another tab.
'use strict';

const $ = (id) => document.getElementById(id);

class SignedOut extends Error {}

async function call(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { 'x-latchkey-csrf': '1', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 401) {
    showSignedOut('You are signed out.');
    throw new SignedOut();
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error_description || data.error || `HTTP ${response.status}`);
  return data;
}

const money = (minor) => (minor / 100).toFixed(2);

function minorUnits(text) {
  const [whole, fraction = ''] = text.trim().split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

function say(text) {
  $('message').textContent = text;
}

function showSignedOut(text) {
  $('bank').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in').hidden = false;
  $('who').textContent = text;
}

async function refresh() {
  const [{ balance }, { transactions }] = await Promise.all([call('GET', '/api/balance'), call('GET', '/api/history')]);
  $('balance').textContent = money(balance);
  $('history').replaceChildren(
    ...transactions.map((t) => {
      const row = document.createElement('tr');
      const what = t.counterparty ? `${t.kind} (${t.counterparty})` : t.kind;
      for (const text of [new Date(t.created_at * 1000).toLocaleString(), what, money(t.amount), money(t.balance_after)]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
}

async function guarded(action) {
  try {
    await action();
  } catch (e) {
    if (!(e instanceof SignedOut)) say(e.message);
  }
}

async function start() {
  try {
    const { claims } = await call('GET', '/bff/user');
    // The ID token carries the profile claims only when Latchkey puts them there.
    $('who').textContent = claims.preferred_username ? `Signed in as ${claims.preferred_username}` : 'Signed in';
    $('sign-in').hidden = true;
    $('sign-out').hidden = false;
    $('bank').hidden = false;
    await refresh();
  } catch (e) {
    if (!(e instanceof SignedOut)) say(e.message);
  }
}

for (const form of document.querySelectorAll('form[data-path]')) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const fields = new FormData(form);
    const body = { amount: minorUnits(fields.get('amount')) };
    if (fields.has('to')) body.to = fields.get('to').trim();
    // One key per click: a retried request never moves money twice.
    const key = crypto.randomUUID();
    guarded(async () => {
      await call('POST', form.dataset.path, body, { 'idempotency-key': key });
      form.reset();
      say(`${form.id[0].toUpperCase()}${form.id.slice(1)} done.`);
      await refresh();
    });
  });
}

$('refresh').addEventListener('click', () => guarded(refresh));

$('sign-out').addEventListener('click', () =>
  guarded(async () => {
    const { logout_url: next } = await call('POST', '/bff/logout');
    showSignedOut('Signed out.');
    if (next) window.location.assign(next);
  }),
);

start();
