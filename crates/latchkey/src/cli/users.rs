//! `latchkey users …`: the user commands and their flags.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is read from standard input
    Add {
        username: String,
        /// The user's e-mail address (unverified unless --email-verified)
        #[arg(long)]
        email: Option<String>,
        /// The address is known to be the user's (an upstream identity with the same
        /// verified address may then be linked to this account)
        #[arg(long, requires = "email")]
        email_verified: bool,
        /// A role to give the user (repeatable)
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Read the password from standard input, or ask for it without echo when standard
        /// input is a terminal (required: passwords never go in arguments)
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// List users
    List {
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Disable a user and end all their sessions
    Disable { username: String },
    /// Let a disabled user sign in again (their ended sessions stay ended)
    Enable { username: String },
    /// Delete a user: their sessions end, their linked identities and links go, an audit
    /// event is written. Asks for confirmation on a terminal unless --yes
    Delete {
        username: String,
        /// Do not ask for confirmation (required when standard input is not a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Set a user's e-mail address (unverified unless --verified)
    SetEmail {
        username: String,
        email: String,
        /// The operator vouches that the address is the user's
        #[arg(long)]
        verified: bool,
    },
    /// Give a user roles and take roles away
    Roles {
        username: String,
        /// A role to give (repeatable)
        #[arg(long = "add", value_name = "ROLE")]
        add: Vec<String>,
        /// A role to take away (repeatable)
        #[arg(long = "remove", value_name = "ROLE")]
        remove: Vec<String>,
    },
    /// Lift a user's permanent lockout (`lockout_after_failures`) and clear their sign-in
    /// throttle counts
    Unlock { username: String },
    /// Show a user's ways to sign in: their password (if any) and each linked provider
    Identities {
        username: String,
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Unlink a provider from a user (never their last way to sign in)
    Unlink { username: String, provider: String },
    /// Set a user's password (read from standard input) and end all their sessions
    SetPassword {
        username: String,
        /// Read the password from standard input, or ask for it without echo when standard
        /// input is a terminal
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Import users from JSON lines {"username", "email", "password_hash", "roles"} (bcrypt
    /// or Argon2); a line with any other field is rejected, naming the field
    Import {
        file: PathBuf,
        /// Leave users that already exist as they are (counted as skipped) instead of
        /// rejecting their lines, so an import can be run again
        #[arg(long)]
        skip_existing: bool,
        /// Print the result as one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
}
