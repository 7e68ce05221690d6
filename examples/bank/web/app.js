// The bank's page. It never sees a token: the BFF at this origin keeps them and gives the
// browser an HttpOnly cookie. Every call sends `X-Latchkey-CSRF: 1` (the BFF refuses calls
// without it); a 401 means signed out, here or in another tab — unless it is the bank's
// step-up challenge (RFC 9470 `insufficient_user_authentication`, e.g. a large transfer after
// an old sign-in): then the operation is kept in sessionStorage (no token: what to send, and
// its idempotency key), the user signs in again through the BFF asking for what the bank
// named (`acr_values`, `max_age`), and on return the operation is retried once.
'use strict';

const $ = (id) => document.getElementById(id);

class SignedOut extends Error {}

class StepUpNeeded extends Error {
  constructor(asked) {
    super('This operation needs a more recent sign-in.');
    this.asked = asked;
  }
}

// The operation waiting for a step-up sign-in.
const PENDING = 'bank-step-up-pending';

async function call(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { 'x-latchkey-csrf': '1', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) {
    if (data.error === 'insufficient_user_authentication') throw new StepUpNeeded(data);
    showSignedOut('You are signed out.');
    throw new SignedOut();
  }
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

// Keeps `operation` and signs in again asking for what the bank's challenge named.
function stepUp(asked, operation) {
  sessionStorage.setItem(PENDING, JSON.stringify(operation));
  const login = new URL('/bff/login', window.location.origin);
  login.searchParams.set('return_to', '/');
  if (asked.acr_values) login.searchParams.set('acr_values', asked.acr_values);
  if (asked.max_age !== undefined) login.searchParams.set('max_age', String(asked.max_age));
  say('This operation needs a more recent sign-in: taking you to sign in again.');
  window.location.assign(login.href);
}

// Sends an operation; `retried` for the one retry after a step-up sign-in (never a loop).
async function submit(operation, retried) {
  try {
    await call('POST', operation.path, operation.body, { 'idempotency-key': operation.key });
  } catch (e) {
    if (!(e instanceof StepUpNeeded)) throw e;
    if (retried) throw new Error('The bank still asks for a stronger sign-in than this one.');
    stepUp(e.asked, operation);
    return;
  }
  $(operation.form).reset();
  say(`${operation.form[0].toUpperCase()}${operation.form.slice(1)} done.`);
  await refresh();
}

// The operation that waited for this sign-in, retried once with its idempotency key.
async function resume() {
  const pending = sessionStorage.getItem(PENDING);
  if (!pending) return;
  sessionStorage.removeItem(PENDING);
  await submit(JSON.parse(pending), true);
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
    await resume();
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
    guarded(() => submit({ form: form.id, path: form.dataset.path, body, key }, false));
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
