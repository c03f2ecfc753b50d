#!/usr/bin/env bash
# One command: install everything the tests need (Debian's chromium included)
# and run the whole suite: lint, types, then pytest on SQLite and on
# PostgreSQL. Under CI=true a stopped local PostgreSQL is started first and
# its tests may not skip.
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

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy (aggregation package, strict)"
.venv/bin/mypy hhu_ranking/aggregation

echo "==> pytest on SQLite"
.venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"

echo "==> pytest on PostgreSQL (web tests)"
TEST_DATABASE=postgresql .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" tests/web "$@"
