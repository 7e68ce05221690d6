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
