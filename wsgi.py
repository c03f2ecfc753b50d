"""gunicorn entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``."""

from hhu_ranking import create_app

app = create_app()
