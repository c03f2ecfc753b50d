#!/usr/bin/env bash
# One command: install everything the tests need (Debian's chromium included)
# and run the whole suite: lint, types, then pytest on SQLite and on
# PostgreSQL. Every step runs and reports even when an earlier one fails.
# Under CI=true a stopped local PostgreSQL (and Redis) is started first, their tests
# may not skip, and the whole SQLite suite runs once more with the clock a year ahead
# (CLOCK_AHEAD=1 does that outside CI too).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

if [[ ! -x /usr/bin/chromium ]]; then
  echo "==> Installing Debian's chromium for the browser tests"
  sudo_cmd=""
  if [[ "$(id -u)" != 0 ]]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi

if [[ "${CI:-}" == "true" ]] && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "==> Starting the local PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

# the several-hosts setup shares its rate limits through Redis (tests/security/test_floods.py)
if [[ "${CI:-}" == "true" ]] && ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "==> Starting the local Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 1; done
fi

# Every step runs and reports, even after one fails; the exit status says whether all passed.
results=()
failed=0
step() {
  local name="$1"
  shift
  echo
  echo "==> $name"
  if "$@"; then
    results+=("ok      $name")
  else
    results+=("FAILED  $name")
    failed=1
  fi
}

workers="${PYTEST_WORKERS:-2}"
step "ruff check" .venv/bin/ruff check .
step "ruff format" .venv/bin/ruff format --check .
step "mypy (whole package, strict)" .venv/bin/mypy hhu_ranking
step "pytest on SQLite" .venv/bin/pytest -n "$workers" "$@"
step "pytest on PostgreSQL (web and security tests)" env TEST_DATABASE=postgresql \
  .venv/bin/pytest -n "$workers" tests/web tests/security "$@"
if [[ "${CI:-}" == "true" || "${CLOCK_AHEAD:-}" == "1" ]]; then
  # the whole suite a year from now: no test may depend on today's date (tests/clock.py);
  # dates are the app's business, not the database's, so SQLite stands in for both here
  step "pytest on SQLite, clock a year ahead" env HHU_TEST_CLOCK_SHIFT_DAYS=365 \
    .venv/bin/pytest -n "$workers" "$@"
fi

echo
echo "==> summary"
printf '  %s\n' "${results[@]}"
exit "$failed"
