#!/usr/bin/env bash
# The English catalogue of the Dutch UI. Usage:
#   scripts/translations.sh update    extract the Dutch source strings into messages.pot and
#                                     merge them into en/messages.po (then translate the new
#                                     and fuzzy entries by hand); also rewrites
#                                     docs/participant-strings.po, the participants' strings
#   scripts/translations.sh compile   build the .mo files (setup.sh and the tests do this too)
# tests/web/test_i18n.py re-extracts with the same keywords and fails when the catalogue
# lags behind the templates and code, or when an entry has no English.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=hhu_ranking/translations

case "${1:-}" in
  update)
    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext \
      --project=hhu_ranking --version=0.1.0 --copyright-holder="Health Hub Utrecht" \
      --msgid-bugs-address="" -o "$dir/messages.pot" .
    if [[ -f "$dir/en/LC_MESSAGES/messages.po" ]]; then
      .venv/bin/pybabel update -l en -d "$dir" -i "$dir/messages.pot"
    else
      .venv/bin/pybabel init -l en -d "$dir" -i "$dir/messages.pot"
    fi
    # what participants read, in one file for the B1 review
    .venv/bin/python scripts/participant_strings.py
    ;;
  compile)
    .venv/bin/pybabel compile -d "$dir"
    ;;
  *)
    echo "usage: $0 update|compile" >&2
    exit 2
    ;;
esac
