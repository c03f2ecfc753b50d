#!/usr/bin/env bash
# Shared setup for the two commands: a local virtual environment with the
# project installed (editable), reinstalled only when pyproject.toml changes,
# and the translations compiled. Usage: scripts/setup.sh [app|test]
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-app}"
python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
  done
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "Python 3.11 or newer is needed (found: $("$python" --version 2>&1))." >&2
  exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
  echo "==> Creating the virtual environment in .venv"
  "$python" -m venv .venv
fi

stamp=".venv/.installed-$extras-$(sha256sum pyproject.toml | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  echo "==> Installing dependencies ($extras)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [[ "$extras" == "test" ]]; then
    .venv/bin/python -m pip install --quiet -e ".[test]"
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  touch "$stamp"
fi

if compgen -G "hhu_ranking/translations/*/LC_MESSAGES/messages.po" >/dev/null; then
  # fuzzy entries stay out: tests/web/test_i18n.py allows none (see scripts/translations.sh)
  .venv/bin/pybabel -q compile -d hhu_ranking/translations
fi
