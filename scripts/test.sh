#!/usr/bin/env bash
# The test command: installs what the suites need, then runs every suite with skipping turned
# into failure.
#
#   scripts/test.sh                               # everything: cargo test --workspace
#   scripts/test.sh -p latchkey-server --test http refresh    # the same set-up, fewer tests
#
# Set-up, each step skipped when already done (a second run goes straight to cargo):
#   - Debian packages, with apt-get: `chromium` for the browser test, `nginx` for the test of
#     deploy/nginx/latchkey.conf, `nodejs`/`npm` and
#     `python3-pip` when missing;
#   - `npm ci` in e2e/ and interop/node when their node_modules are older than the lock file;
#   - `pip install -r interop/python/requirements.txt` and `interop/admin/requirements.txt`
#     (schemathesis, run against the admin API's OpenAPI description);
#   - PostgreSQL started when it is installed but down (unless LATCHKEY_TEST_POSTGRES_URL
#     already names another database).
# Then `cargo test` with LATCHKEY_TEST_POSTGRES_URL set (the PostgreSQL variants run, and fail
# if the database cannot be reached) and LATCHKEY_TEST_E2E=required (the e2e/ and interop/
# suites fail instead of skipping when a tool is missing). Any test that still skipped is
# listed at the end and fails the run. Arguments go to `cargo test` (default: --workspace
# --no-fail-fast, so that one failing suite does not hide the others).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

say() { printf '==> %s\n' "$*"; }

sudo_if_needed() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=
apt_install() {
  say "installing Debian packages: $*"
  if [ -z "$apt_updated" ]; then
    sudo_if_needed apt-get update -qq
    apt_updated=1
  fi
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# --- Debian packages ---
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v npm >/dev/null || missing+=(nodejs npm)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3 python3-pip)
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi

# --- npm packages (e2e/: openid-client and Playwright; interop/node: Express) ---
for dir in e2e interop/node; do
  if [ ! "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# --- Python packages (interop/python: PyJWT and aiosmtpd, the SMTP server of the e-mail
# tests; interop/admin: schemathesis) ---
for requirements in interop/python/requirements.txt interop/admin/requirements.txt; do
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check -r "$requirements"
done

# --- PostgreSQL ---
if [ -z "${LATCHKEY_TEST_POSTGRES_URL:-}" ]; then
  export LATCHKEY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test
  if ! command -v pg_isready >/dev/null; then
    echo "PostgreSQL is not installed: install it (apt-get install postgresql) or set" >&2
    echo "LATCHKEY_TEST_POSTGRES_URL to a database where the tests may create schemas." >&2
    exit 1
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    say "starting PostgreSQL"
    sudo_if_needed pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
    pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not start" >&2; exit 1; }
  fi
fi

# --- the tests ---
export LATCHKEY_TEST_E2E=required
target_dir=${CARGO_TARGET_DIR:-target}
case $target_dir in /*) ;; *) target_dir=$(pwd)/$target_dir ;; esac
skip_log=$target_dir/test-skips.log
mkdir -p "$target_dir"
: >"$skip_log"
export LATCHKEY_TEST_SKIP_LOG=$skip_log

status=0
if [ $# -eq 0 ]; then set -- --workspace --no-fail-fast; fi
say "cargo test $*"
cargo test "$@" || status=$?

if [ -s "$skip_log" ]; then
  echo "$(wc -l <"$skip_log") test(s) skipped, which scripts/test.sh does not allow:" >&2
  sed 's/^/  /' "$skip_log" >&2
  [ "$status" -ne 0 ] || status=1
fi
say "$([ "$status" -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - started)) s"
exit "$status"
