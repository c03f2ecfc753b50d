"""Facilitator login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..extensions import db_session, limiter
from ..forms import LoginForm
from ..models import User, utcnow
from ..services import logins as login_service
from .participate import COOKIE_KEY
from .unit_of_work import unit_of_work

bp = Blueprint("auth", __name__, url_prefix="/auth")

#: what a login keeps of the session before it: the language and a partner's own vote
_KEPT_ON_LOGIN = ("lang", COOKIE_KEY)


def is_local_path(target: str) -> bool:
    """True for a path on this site (``/beheer/…``), never another site's address.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    ``/\t/evil.example`` and ``/\\evil.example`` lead off-site like ``//evil.example``;
    any control character, whitespace or backslash is refused, as are a scheme and a host.
    """
    if not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or not target.isprintable() or any(c.isspace() for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def _safe_next(target: str | None) -> str:
    # only local paths: an open redirect would let a phishing link borrow our login page
    if target and len(target) <= 2000 and is_local_path(target):
        return target
    return url_for("facilitator.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def login() -> str | Response | tuple[str, int]:
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        with unit_of_work() as work:
            user = login_service.authenticate(
                db_session(),
                form.email.data or "",
                form.password.data or "",
                address=request.remote_addr or "",
                secret=current_app.config["SECRET_KEY"],
                now=utcnow(),
            )
            if user is not None:
                _fresh_session()
                login_user(user, remember=form.remember.data)
        if work.ok and user is not None:
            return redirect(_safe_next(request.args.get("next")))
        if work.refused is not None:
            if isinstance(work.refused, login_service.TooManyFailures):
                # the refusal rolled back; the attempt is noted in a write of its own
                with unit_of_work():
                    login_service.record_blocked(db_session(), form.email.data or "", now=utcnow())
            flash(work.refused.message, "error")
            status = work.status
        else:
            # the same page as before, and the same time for a known and an unknown e-mail
            flash(_("E-mailadres of wachtwoord klopt niet."), "error")
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


def _fresh_session() -> None:
    """Nothing from before the login stays in the cookie but the language and a vote."""
    kept = {key: session[key] for key in _KEPT_ON_LOGIN if key in session}
    session.clear()
    session.update(kept)


@bp.post("/logout")
@login_required
def logout() -> Response:
    user = current_user._get_current_object()  # the model, not the proxy
    assert isinstance(user, User)
    with unit_of_work(refusal="raise"):
        # every copy of this session cookie and of the remember-me token ends with it
        login_service.log_out(db_session(), user)
    logout_user()
    session.clear()
    return redirect(url_for("main.index"))
