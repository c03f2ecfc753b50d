"""Facilitator login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..auth import verify_password
from ..extensions import db_session, limiter
from ..forms import LoginForm
from ..models import User
from .unit_of_work import unit_of_work

bp = Blueprint("auth", __name__, url_prefix="/auth")


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
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = db_session().scalar(
            select(User).where(User.email == (form.email.data or "").strip().lower())
        )
        if user is not None and user.active and verify_password(user, form.password.data or ""):
            with unit_of_work(refusal="raise"):
                login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("E-mailadres of wachtwoord klopt niet."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    return redirect(url_for("main.index"))
