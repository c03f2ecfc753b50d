"""The big screen: the projector page of a session, public by its join code.

No login on purpose: the page shows only what everyone in the room sees
anyway (the code, the QR code, counts, which organisations voted, and the
result when the round shows it live), and the code is its only key, exactly
as for joining. It never shows personal names. A facilitator can open it on
the beamer laptop without logging in there.

The page polls itself (``HX-Request``) for its live fragment every second or
two. The ETag is the session's state version and activity (how many joined, the
count and seq sum of its ballots), checked with one SELECT before anything
else, so an unchanged screen costs one query and a 304; results come from the
shared cache, computed once per version of the round's ballots.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from ..extensions import db, db_session
from ..floods import check_lookup, count_screen, failed_lookup
from ..forms import ActionForm
from ..models import RankingSession
from ..polling import poll_tag_key, screen_etag
from ..services import reveal as reveal_service
from ..services.codes import normalise_join_code
from ..services.qr import join_url, qr_svg
from ..services.screen import build_screen, poll_versions, reveal_places
from ..services.sessions import find_by_code
from .unit_of_work import unit_of_work

bp = Blueprint("screen", __name__, url_prefix="/scherm")


def _unknown() -> tuple[str, int]:
    return render_template(
        "participate/enter.html", code="", error=_("We kennen geen sessie met deze code.")
    ), 404


@bp.get("/<code>")
def show(code: str) -> Response | tuple[str, int]:
    htmx = request.headers.get("HX-Request") == "true"
    normal = normalise_join_code(code)
    if normal != code and not htmx:
        return redirect(url_for("screen.show", code=normal))
    versions = poll_versions(db_session(), normal)
    if versions is None:
        failed_lookup()
        return _unknown()
    # the code is the screen's only key: guessing is limited as on the join page, and a
    # screen asking far too often (its 304s never get here) is told to slow down
    check_lookup()
    count_screen()
    key = poll_tag_key(current_app.config["SECRET_KEY"])
    etag = screen_etag(versions, normal, key, fragment=htmx)
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
        response.set_etag(etag)
        _cache_headers(response)
        return response
    ranking_session = db.session.get(RankingSession, versions.session_id)
    assert ranking_session is not None
    view = build_screen(db_session(), ranking_session)
    template = "screen/_live.html" if htmx else "screen/show.html"
    response = make_response(
        render_template(
            template,
            view=view,
            # the polls ask for the fragment: they start from its tag, also on the full page
            poll_etag=screen_etag(versions, normal, key, fragment=True) if view.fresh else "",
            join_link=join_url(ranking_session.join_code),
            poll_seconds=_poll_seconds(),
            # the reveal keys work for a logged-in facilitator; the fragment is the same for all
            can_reveal=not htmx and bool(getattr(current_user, "is_authenticated", False)),
        )
    )
    if view.fresh:
        response.set_etag(etag)
    _cache_headers(response)
    return response


@bp.post("/<code>/onthul")
@login_required
def reveal(code: str) -> Response | tuple[str, int]:
    """One step of the reveal of the session's current round (a facilitator's key or button).

    A plain form POST that redirects back to the screen (no JavaScript needed);
    ``screen.js`` sends the same form on the keys and then asks for the fragment.
    """
    ranking_session = find_by_code(db_session(), code)
    if ranking_session is None:
        return _unknown()
    step = request.form.get("step", "")
    if not ActionForm().validate_on_submit() or step not in reveal_service.STEPS:
        abort(400)
    with unit_of_work(refusal="raise"):
        round_, places = reveal_places(db_session(), ranking_session)
        if round_ is None:
            abort(409)
        reveal_service.step_reveal(db_session(), round_, step, places)
    if request.headers.get("HX-Request") == "true":
        return make_response("", 204)
    if request.form.get("back") == "console":
        return redirect(
            url_for(
                "facilitator.show_session", session_id=ranking_session.id, _anchor="status-heading"
            )
        )
    return redirect(url_for("screen.show", code=ranking_session.join_code))


@bp.get("/<code>/qr.svg")
def qr(code: str) -> Response | tuple[str, int]:
    """The QR code of the join link, as SVG (scales sharply on any projector)."""
    ranking_session = find_by_code(db_session(), code)
    if ranking_session is None:
        failed_lookup()
        return _unknown()
    check_lookup()
    response = make_response(qr_svg(join_url(ranking_session.join_code)))
    response.mimetype = "image/svg+xml"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _poll_seconds() -> float:
    """Twice as often as the phones (1 s by default): updates land within 2 seconds."""
    return max(0.5, min(2.0, float(current_app.config.get("POLL_SECONDS", 2)) / 2))


def _cache_headers(response: Response) -> None:
    response.headers["Vary"] = "HX-Request"
    # stored but always revalidated: a conditional request costs one query
    response.headers["Cache-Control"] = "no-cache"
