"""Flask extensions, created unbound and bound to the app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

from . import ratelimit_storage  # noqa: F401  (the sqlite:// scheme of RATELIMIT_STORAGE_URI)
from .models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
#: gzip/brotli/zstd for pages at a low level (CPU matters more than bytes); see config.py
compress = Compress()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def db_session() -> Session:
    """The session of the current app context, typed as what the services take.

    ``db.session`` is a ``scoped_session`` proxy; calling it returns the session it
    stands for, so views and commands pass ``db_session()`` to a service.
    """
    return db.session()
