// The passkey ceremonies of the hosted pages (docs/architecture.md, "Passkeys"), served as
// /passkeys.js: the Content-Security-Policy allows this server's scripts and no inline one.
// Each form marked data-passkey-options gets its ceremony's options from that address (a
// POST with the form's CSRF token, and its signed interaction when it has one), asks the
// browser for a credential (data-passkey-ceremony: "create" registers one, "get" signs in
// with one), then submits the form with the ceremony's handle and the credential as JSON. Binary fields travel as base64url, as
// webauthn-rs reads and writes them. Its texts come from the page (the status line's data-
// attributes, from the message catalogue), in the request's language.
'use strict';

(() => {
  const fromBase64url = (text) => {
    const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  };
  const toBase64url = (buffer) => {
    let text = '';
    for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const withIds = (list) => (list || []).map((item) => ({ ...item, id: fromBase64url(item.id) }));

  const decodeOptions = (publicKey) => {
    const decoded = { ...publicKey, challenge: fromBase64url(publicKey.challenge) };
    if (publicKey.user) decoded.user = { ...publicKey.user, id: fromBase64url(publicKey.user.id) };
    if (publicKey.excludeCredentials) decoded.excludeCredentials = withIds(publicKey.excludeCredentials);
    if (publicKey.allowCredentials) decoded.allowCredentials = withIds(publicKey.allowCredentials);
    return decoded;
  };

  const encodeCredential = (credential) => {
    const response = credential.response;
    const encoded = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      extensions: {},
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      encoded.response.attestationObject = toBase64url(response.attestationObject);
    } else {
      encoded.response.authenticatorData = toBase64url(response.authenticatorData);
      encoded.response.signature = toBase64url(response.signature);
      encoded.response.userHandle = response.userHandle ? toBase64url(response.userHandle) : null;
    }
    return encoded;
  };

  const run = async (form, status) => {
    const body = new URLSearchParams({ csrf: form.elements.csrf.value });
    // The hosted login's second factor and enrolment: the options are for the signed-in user.
    if (form.elements.interaction) body.set('interaction', form.elements.interaction.value);
    const answer = await fetch(form.dataset.passkeyOptions, { method: 'POST', body, credentials: 'same-origin' });
    // The refusal's error_description is English, for developers: the user reads the page's.
    if (!answer.ok) throw new Error(answer.status === 429 ? status.dataset.tooMany : status.dataset.refused);
    const options = await answer.json();
    const publicKey = decodeOptions(options.publicKey);
    const credential = form.dataset.passkeyCeremony === 'create'
      ? await navigator.credentials.create({ publicKey })
      : await navigator.credentials.get({ publicKey });
    form.elements.ceremony.value = options.ceremony;
    form.elements.credential.value = JSON.stringify(encodeCredential(credential));
    form.submit();
  };

  for (const form of document.querySelectorAll('form[data-passkey-options]')) {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const status = form.querySelector('[data-passkey-status]');
      if (!window.PublicKeyCredential) {
        status.textContent = status.dataset.unsupported;
        return;
      }
      status.textContent = status.dataset.waiting;
      run(form, status).catch((error) => {
        status.textContent = `${status.dataset.notUsed} ${error.message}`;
      });
    });
  }
})();
