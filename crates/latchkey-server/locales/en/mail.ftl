# The e-mails' texts (docs/architecture.md, "Branding and languages"). Each message is one
# paragraph; links are on a line of their own. { $brand } is the configured product name.

mail-hello = Hello { $username },
mail-signature = — { $brand }
mail-forgot-link = Choose a new password
mail-not-you = If it was not you, change your password now.

## Forgotten password
mail-reset-subject = { $brand }: Reset your password
mail-reset-intro = Someone (hopefully you) asked to reset the password of your { $brand } account. To choose a new password, open this link within { $minutes } minutes:
mail-reset-link = Choose a new password
mail-reset-outro = The link works once. Every session of your account will be signed out. If you did not ask for it, ignore this e-mail: your password stays as it is.

## Sign-up
mail-verify-subject = { $brand }: Verify your e-mail address
mail-verify-intro = To verify this e-mail address for { $brand }, open this link within { $hours } hours:
mail-verify-link = Verify my e-mail address
mail-verify-outro = If you did not create an account, ignore this e-mail.
mail-registered-subject = { $brand }: You already have an account
mail-registered-intro = Someone tried to create a { $brand } account with this e-mail address, which already has one. If it was you and you forgot your password, choose a new one here:
mail-registered-outro = Otherwise, ignore this e-mail.

## Second factors
mail-recovery-subject = { $brand }: A recovery code was used
mail-recovery-used = A recovery code of your account was just used to sign in. { $left ->
        [one] 1 code is left.
       *[other] { $left } codes are left.
    }
mail-recovery-outro = If this was not you, change your password and generate new recovery codes on your account page.

## Changing the e-mail address
mail-confirm-email-subject = { $brand }: Confirm your new e-mail address
mail-confirm-email-intro = To make this the e-mail address of your { $brand } account, open this link within { $hours } hours:
mail-confirm-email-link = Use this e-mail address
mail-confirm-email-outro = If you did not ask for it, ignore this e-mail: nothing changes.
mail-change-requested-subject = { $brand }: A change of your e-mail address was requested
mail-change-requested = Someone signed in to your account asked to change its e-mail address to { $email }. It changes only if the link sent to that address is opened.
mail-changed-subject = { $brand }: Your e-mail address was changed
mail-changed = The e-mail address of your account is now { $email }; this address is no longer used.
mail-changed-outro = If it was not you, contact the administrator of this service.
mail-in-use-subject = { $brand }: Someone tried to use your e-mail address
mail-in-use = Someone tried to use this e-mail address, which belongs to your account, for another account. Nothing changed. If you forgot your password, choose a new one here:
