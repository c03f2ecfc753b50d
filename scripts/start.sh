#!/usr/bin/env bash
# One command: install, migrate, seed the demo catalogue, make a first
# facilitator account if there is none, and serve on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh app

export FLASK_APP=hhu_ranking
.venv/bin/flask setup

bind="${BIND:-127.0.0.1:8000}"
echo
echo "Ranking The Principles draait op http://${bind}/"
echo "  gespreksleider: http://${bind}/auth/login"
echo "  stoppen: Ctrl+C"
echo
exec .venv/bin/gunicorn --config gunicorn.conf.py --bind "$bind" wsgi:app
