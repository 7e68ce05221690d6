# The hosted pages' texts (docs/architecture.md, "Branding and languages").
# { $brand } is the configured product name, available in every message.

## Fields shared by several forms
field-username = Username
field-password = Password
field-current-password = Current password
field-new-password = New password
field-email = E-mail address
field-new-email = New e-mail address
password-submit = Change the password

## Sign-in
login-title = Sign in
login-continue-to = to continue to { $client }
login-submit = Sign in
login-continue-with = Continue with { $provider }
login-forgot-password = Forgot password?
login-create-account = Create an account

## Linking an upstream identity to an existing account
link-title = Link your account
link-intro = An account with your e-mail address exists: { $username }. Enter its password to sign in with { $provider } from now on.
link-submit = Link and sign in

## Consent
consent-title = Allow access?
consent-intro = { $client } wants to access your account { $username }. It will be able to:
consent-allow = Allow
consent-deny = Deny
scope-openid = Know who you are (your account identifier)
scope-profile = See your username and profile
scope-email = See your email address
scope-offline-access = Stay connected while you are away (keep access until you sign out)
scope-other = Use the permission “{ $scope }”
scope-none = Sign you in (no other access)

## Sign-out
logout-title = Sign out?
logout-question = Do you want to sign out of { $brand }?
logout-submit = Sign out
signed-out-title = Signed out
signed-out-heading = You are signed out
signed-out-close = You can close this window.

## Account page
account-title = Your account
account-username = Username: { $username }
account-email-verified = E-mail: { $email } (verified)
account-email-unverified = E-mail: { $email } (not verified)
account-email-none = E-mail: none
account-sessions = Signed-in applications
account-no-sessions = No application is signed in.
account-session = { $client } — since { $started }, last used { $last_used } — { $device }
account-unknown-device = unknown device
account-end-session = End this session
account-end-sessions = End every application session
account-change-password = Change your password
account-signed-out-title = Not signed in
account-signed-out-heading = You are not signed in
account-signed-out-hint = Sign in through an application first, then come back to this page.

## Changing the e-mail address
email-change-heading = Change your e-mail address
email-change-hint = We send a link to the new address; the change happens when you open it.
email-change-submit = Change the e-mail address
email-changed-title = E-mail address changed
email-changed-heading = Your e-mail address was changed
email-changed-text = Your account's e-mail address is now { $email }, and it is verified.
email-in-use-title = E-mail address not changed
email-in-use-heading = Your e-mail address was not changed
email-in-use-text = Another account uses this address now. Your account keeps its address.

## Forgotten password
forgot-title = Forgot your password?
forgot-hint = Enter the e-mail address of your account. We will send you a link to choose a new password.
forgot-submit = Send the link
check-email-title = Check your e-mail
reset-link-sent = If an account uses this address, we have sent it a link to choose a new password. The link works once, for { $minutes } minutes.
reset-title = Choose a new password
reset-hint = Every session of your account will be signed out.
invalid-link-title = Link no longer valid
invalid-link-heading = This link is no longer valid
invalid-link-text = It was already used, it expired, or a newer link was sent.
invalid-link-again = Ask for a new link
reset-done-title = Password changed
reset-done-heading = Your password was changed
reset-done-text = For your safety, every session of your account was signed out ({ $sessions } in applications). Sign in again with the new password.

## Sign-up and e-mail verification
signup-title = Create an account
signup-username = Username (optional; otherwise your address)
signup-submit = Create the account
signup-check-email = We have sent a message to this address. Follow its link to verify the address; you can sign in once it is verified.
verify-title = Verify your e-mail address
verify-submit = Verify
verified-title = E-mail address verified
verified-heading = Your e-mail address is verified
verified-text = You can now sign in.

## Refusals and notices of the forms and the authorization flow
error-title = This request cannot be completed
error-unavailable = The service is temporarily unavailable. Try again in a moment.
error-internal = Something went wrong on our side. Try again later.
logout-error-title = Cannot sign out
logout-malformed = The sign-out request is malformed.
logout-bad-hint = The id_token_hint is not an ID token issued here.
error-unregistered-redirect = The application asked to return to an address it has not registered.
forbidden-title = Request refused
forbidden-text = This form was not sent from this site, or it has expired. Go back, reload the page and try again.
error-form-unreadable = The form could not be read.
return-error-title = Cannot return
return-error-text = The return address is invalid.
federation-not-offered = This application does not offer this sign-in provider.
federation-unreadable = The sign-in response could not be read.
federation-expired = This sign-in has expired or was already used. Go back to the application and try again.
federation-other-browser = This sign-in was started in another browser or for another provider. Try again.
federation-refused-unknown = You cannot sign in this way: this account is not known here, and this provider does not create new accounts.
federation-refused-disabled = You cannot sign in this way: this account is disabled.
federation-refused-name-taken = You cannot sign in this way: an account with this name exists already.
link-other-browser = This link was opened in another browser or for another provider; nothing changed.
link-session-ended = Your session ended before the link was completed. Sign in again and retry.
link-cancelled = The link was cancelled at the identity provider; nothing changed.
link-taken = This { $provider } account is already linked to another account, so it cannot be linked to yours.
link-done = You can now sign in with { $provider }. You may close this window.
link-done-title = Sign-in method linked
federation-not-configured = This sign-in provider is not configured.
form-expired = This form has expired. Go back to the application and try again.
federation-linked-elsewhere = This sign-in is linked to another account.
authorize-too-long = The authorization request is too long.
authorize-malformed = The authorization request is malformed (bad encoding or too many parameters).
authorize-no-redirect = The application did not say where to return to (redirect_uri).
authorize-invalid = The application sent an invalid request: { $problem }.
authorize-unknown-client = The application that sent you here is not registered.
consent-expired = This consent form has expired. Go back to the application and try again.
consent-session-changed = You signed in or out since this page was shown. Go back to the application and try again.
consent-choose = Choose Allow or Deny.
authorize-not-a-form = The authorization request must be a form post.
authorize-body-unreadable = The request body could not be read.
authorize-not-utf8 = The request is not valid UTF-8.
sign-in-link-expired = This sign-in link has expired. Go back to the application and try again.
login-failed = Wrong username or password.
sign-in-form-expired = This sign-in form has expired. Go back to the application and try again.
signup-off-title = Not found
signup-off-text = This server does not offer sign-up.
enter-email = Enter an e-mail address.
signup-username-empty = This username cannot be used: the username is empty.
signup-username-too-long = This username cannot be used: the username is longer than { $max } bytes.
signup-username-characters = This username cannot be used: the username contains whitespace or control characters.
signup-username-taken = This username is taken: choose another.
account-session-ended = The session was ended.
account-session-gone = That session had already ended.
account-sessions-ended = Every application session was ended.
wrong-current-password = The current password is wrong.
account-password-changed = Your password was changed; every other session was ended.
email-change-link-sent = We sent a link to the new address. Your e-mail address changes when you open it (within 24 hours).
email-change-same = That is already your e-mail address.
email-change-sign-in-again = Sign in again, then change your address within five minutes.
too-many-requests = Too many requests from your network. Try again later.
logout-client-mismatch = client_id does not match the id_token_hint.
logout-needs-hint = post_logout_redirect_uri needs an id_token_hint or a client_id.
login-unverified-only = This application accepts only verified e-mail addresses. Open the verification link we sent you, or change your address on your account page, then try again.

## Password policy (NIST SP 800-63B §3.1.1.2: the reason of a refusal is shown)
password-too-short = The password must have at least { $min } characters.
password-too-long = The password is too long (at most { $max } bytes).
password-common = This password is one of the most commonly used passwords: choose another.
password-guessable = This password is too easy to guess (repeated or sequential characters): choose another.
password-contains-name = The password must not contain your username or e-mail address.

## Two-step verification during sign-in (docs/architecture.md, "Multi-factor authentication")
mfa-title = Two-step verification
mfa-continue-to = to continue to { $client }.
mfa-enter-code = Enter the code your authenticator app shows, or one of your recovery codes.
mfa-code = Code
mfa-verify = Verify
mfa-wrong-code = That code is not valid. Try the next one your app shows.
mfa-passkey-refused = That passkey could not be used. Try again, or use another factor.
mfa-enrol-title = Set up two-step verification
mfa-enrol-required = { $client } requires a second step when you sign in.
mfa-enrol-hint = Scan this code with an authenticator app, or type in the key below, then enter the code the app shows.
mfa-enrol-key = Key: { $key }
mfa-enrol-code = Code from the app
mfa-enrol-submit = Turn on two-step verification
mfa-enrol-or-passkey = Or use a passkey
mfa-on-title = Two-step verification is on
mfa-continue = Continue
mfa-recovery-codes = Your recovery codes
mfa-recovery-codes-hint = Each code works once, if you lose your authenticator. Keep them somewhere safe: they are not shown again.

## The account page's second factors
factors-off = Off: your password alone signs you in.
factors-app = Authenticator app
factors-passkeys = Passkeys (listed under “Passkeys”)
factors-current-code = Current code (authenticator or recovery code)
factors-remove-app = Remove the authenticator app
factors-set-up-app = Set up an authenticator app
factors-codes-left = Recovery codes left: { $count }
factors-new-codes = Make new recovery codes
factors-wrong-code = That code is not valid.
factors-app-exists = An authenticator app is already set up.
factors-on = Two-step verification is on.
factors-new-codes-made = New recovery codes were made; the old ones no longer work.
factors-app-removed = The authenticator app was removed.
factors-last = An application you are signed in to requires two-step verification: this is your last second factor and cannot be removed.

## Passkeys (docs/architecture.md, "Passkeys")
passkeys-title = Passkeys
passkeys-none = No passkey yet. A passkey signs you in without a password.
passkey-row-used = { $name } — added { $created }, last used { $last_used }
passkey-row-unused = { $name } — added { $created }, never used
passkey-current-code = Current code (unless you signed in with a second factor just now)
passkey-remove = Remove { $name }
passkey-name = Name of the new passkey
passkey-name-example = e.g. laptop
passkey-add = Add a passkey
passkey-sign-in = Sign in with a passkey
passkey-use = Use a passkey
passkey-instead = Set up a passkey instead
passkey-added = The passkey “{ $name }” was added.
passkey-removed = The passkey was removed.
passkey-already-removed = That passkey had already been removed.
passkey-prove-factor = For your safety, sign out and sign in again with a second factor (then remove it within five minutes), or enter a current code.
passkey-sign-in-failed = That passkey could not sign you in.
passkey-expired = The passkey request expired. Try again.
passkey-invalid = The passkey could not be verified. Try again.
passkey-registered-already = This passkey is registered already.
passkey-bad-name = Name the passkey with 1 to 64 characters.
# Shown by /passkeys.js while a ceremony runs (the script reads them from the page).
passkey-unsupported = This browser does not support passkeys.
passkey-waiting = Waiting for your passkey…
passkey-not-used = The passkey was not used:
passkey-refused = this page has expired or your sign-in is not recent enough. Reload the page, or sign in again, and retry.
