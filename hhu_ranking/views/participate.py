"""Partners on their phones: join with the code, rank, see that a round opened or closed.

No account: joining stores a random token in the signed session cookie, keyed
by the session id (``session["participants"]["12"] = token``); the database
keeps only its hash. The phone polls a small status fragment with a
conditional request; it swaps only when the round it shows opened or closed,
so a half-sorted ballot survives every other change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.validators import Optional

from ..extensions import db_session
from ..floods import check_lookup, count_join, failed_lookup
from ..forms import BallotForm, JoinForm
from ..models import (
    Ballot,
    BallotMode,
    Organisation,
    Participant,
    Pillar,
    RankingSession,
    Round,
    RoundItem,
    RoundState,
    utcnow,
)
from ..numbers import ascii_int_or_none
from ..polling import SHARED_HEADER, phone_etag, phone_poll_seconds, poll_tag_key
from ..services.ballots import ballot_of, cast_ballot
from ..services.codes import normalise_join_code
from ..services.errors import ServiceError
from ..services.participants import (
    ENDED_MESSAGE,
    join_session,
    joining_ended,
    participant_and_count,
)
from ..services.rounds import current_round, session_round_with_items
from ..services.sessions import find_by_code, participant_count
from ..services.standing import Standing, phone_standing
from . import MAX_DATABASE_ID
from .shared_pages import render_shared, render_shared_part, shareable
from .unit_of_work import unit_of_work

bp = Blueprint("participate", __name__)

COOKIE_KEY = "participants"
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


# --- helpers -------------------------------------------------------------------------------


def _unknown_code(raw: str) -> tuple[str, int]:
    message = _(
        "We kennen geen sessie met de code ‘%(code)s’. Kijk nog eens goed op het grote scherm.",
        code=raw.strip()[:12],
    )
    return render_template("participate/enter.html", error=message, code=raw), 404


def _token(ranking_session: RankingSession) -> str | None:
    tokens = session.get(COOKIE_KEY) or {}
    token = tokens.get(str(ranking_session.id)) if isinstance(tokens, dict) else None
    return token if isinstance(token, str) else None


def _lookup(code: str, *, with_rounds: bool = False) -> RankingSession | None:
    """The session of a join code, behind the limit on guessing (``floods``).

    An unknown code counts as a failed lookup; a known one, asked without this session's
    participant token, is refused while this address is over that limit, so a guesser
    then gets a 429 whether the code exists or not. A phone that joined pays nothing.
    """
    ranking_session = find_by_code(db_session(), code, with_rounds=with_rounds)
    if ranking_session is None:
        failed_lookup()
    elif _token(ranking_session) is None:
        check_lookup()
    return ranking_session


@bp.app_template_global()
def phone_tag(ranking_session: RankingSession) -> str:
    """The ETag of the phone's status poll (sealed: see ``polling.phone_etag``)."""
    key = poll_tag_key(current_app.config["SECRET_KEY"])
    return phone_etag(ranking_session.state_version, ranking_session.join_code, key)


def _remember(ranking_session: RankingSession, token: str) -> None:
    tokens = dict(session.get(COOKIE_KEY) or {})
    tokens[str(ranking_session.id)] = token
    session[COOKIE_KEY] = tokens
    session.permanent = True


def _participant(ranking_session: RankingSession, *, polls: bool = True) -> Participant | None:
    """The phone's participant; for a page that polls (``polls``), the session's participant
    count comes with it, for the poll interval the page names (``_poll_seconds``)."""
    participant, joined = participant_and_count(
        db_session(), ranking_session, _token(ranking_session), count=polls
    )
    g.participants_joined = joined
    return participant


def _pillar_choices() -> list[tuple[Any, str]]:
    english = str(get_locale() or "nl").startswith("en")
    pillars = db_session().scalars(select(Pillar).order_by(Pillar.position)).all()
    return [("", _("Kies je werkveld"))] + [
        (p.id, p.name_en if english else p.name_nl) for p in pillars
    ]


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def round_key(round_: Round | None) -> str:
    """What the phone shows, in one word: it swaps only when this changes."""
    if round_ is None:
        return "wacht"
    if round_.state is RoundState.CLOSED and round_.revealed is not None:
        # the reveal moves the closed round's fragment on (services.reveal)
        return f"{round_.id}-{round_.state.value}-r{round_.revealed}"
    return f"{round_.id}-{round_.state.value}"


def _local_time(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).strftime("%H:%M:%S")


@dataclass
class RankRow:
    item: RoundItem
    #: the place in the no-JavaScript number field (0 = not chosen, top-k only)
    place: int


@dataclass
class PhoneRound:
    """Everything the phone's round fragment needs."""

    ranking_session: RankingSession
    participant: Participant
    round: Round | None
    ballot: Ballot | None = None
    error: str | None = None
    #: the order the phone shows: the submitted one after an error, else the stored ballot
    chosen: list[RankRow] | None = None
    rest: list[RankRow] | None = None
    #: False for the closed round as a status poll shows it: the phone's own ballot is then
    #: fetched a few seconds later (``my_ballot``), not by the whole hall at once
    personal: bool = True
    #: over how many seconds the phones of the hall spread that fetch
    spread_seconds: float = 0.0

    @property
    def personal_inline(self) -> bool:
        """The phone's own part is drawn inside the round (not fetched on its own)."""
        return self.personal and not self.fetched_alone

    #: True when ``my_ballot`` draws the phone's own part by itself, after the close
    fetched_alone: bool = False
    #: the ballot was stored by this very request: the phone scrolls to and focuses the
    #: confirmation (without JavaScript the redirect's #bevestiging does the same)
    just_received: bool = False

    @property
    def key(self) -> str:
        return round_key(self.round)

    @property
    def blank_ballot(self) -> bool:
        """An open round this phone has not voted in, shown in the round's own order."""
        return (
            self.round is not None
            and self.round.state is RoundState.OPEN
            and self.ballot is None
            and self.error is None
            and not self.just_received
        )

    @property
    def is_top_k(self) -> bool:
        return (
            self.round is not None
            and self.round.mode is BallotMode.TOP_K
            and (self.round.ballot_length < len(self.round.items))
        )

    @property
    def ballot_titles(self) -> list[str]:
        if self.ballot is None or self.round is None:
            return []
        titles = {item.id: item.title for item in self.round.items}
        return [titles[i] for i in self.ballot.ranking if i in titles]

    @property
    def ballot_time(self) -> str:
        return _local_time(self.ballot.updated_at) if self.ballot is not None else ""

    @cached_property
    def standing(self) -> Standing | None:
        """A closed round's reveal and this phone's own place beside the room (issue 10)."""
        if self.round is None:
            return None
        return phone_standing(db_session(), self.round, self.ballot)


def _phone_round(
    ranking_session: RankingSession,
    participant: Participant,
    round_: Round | None = None,
    *,
    error: str | None = None,
    submitted: list[int] | None = None,
    places: dict[int, int] | None = None,
    ballot: Ballot | None = None,
    just_joined: bool = False,
) -> PhoneRound:
    """What the phone shows; ``ballot`` when the caller has just stored it, nothing looked
    up for a participant that this very request created (``just_joined``)."""
    if round_ is None:
        round_ = current_round(ranking_session)
    view = PhoneRound(ranking_session, participant, round_, error=error)
    if round_ is None:
        return view
    if ballot is None and not just_joined:
        ballot = ballot_of(db_session(), round_, participant)
    view.ballot = ballot
    by_id = {item.id: item for item in round_.items}
    if submitted is not None:
        order = [i for i in dict.fromkeys(submitted) if i in by_id]
    elif view.ballot is not None:
        order = [i for i in view.ballot.ranking if i in by_id]
    else:
        # a full ranking starts from the round's order; a top-k starts with nothing chosen
        order = [] if view.is_top_k else list(by_id)
    if not view.is_top_k:
        order += [i for i in by_id if i not in order]
    chosen_ids = order[: round_.ballot_length] if view.is_top_k else order
    view.chosen = [
        RankRow(by_id[i], (places or {}).get(i, n)) for n, i in enumerate(chosen_ids, start=1)
    ]
    view.rest = [
        RankRow(item, (places or {}).get(item.id, 0))
        for item in round_.items
        if item.id not in chosen_ids
    ]
    return view


def _round_fragment(view: PhoneRound, poll_seconds: float) -> Markup:
    """The phone's round fragment. A blank ballot (an open round, nothing sent yet, nothing
    wrong) is every phone's alike: drawn once per round, state and language
    (``shared_pages``), when the hall loads its ballots or a round opens."""

    def render() -> str:
        return render_template("participate/_round.html", view=view, poll_seconds=poll_seconds)

    if view.blank_ballot and view.round is not None:
        return render_shared(_blank_ballot_key(view, poll_seconds), render)
    return Markup(render())  # noqa: S704 (a template's output, escaped as it was drawn)


@bp.app_template_global()
def rank_item(row: RankRow, top_k: bool, k: int) -> Markup:
    """One item of a phone's ballot at its place (``_rank_item.html``), drawn once per process
    for everything it shows: a hall's ballots are the same items in other orders."""
    item = row.item
    key = (
        "rank item",
        str(get_locale()),
        item.id,
        item.title,
        item.explanation,
        row.place,
        top_k,
        k,
    )
    return render_shared_part(
        key,
        lambda: render_template("participate/_rank_item.html", row=row, top_k=top_k, k=k),
    )


def _blank_ballot_key(view: PhoneRound, poll_seconds: float) -> tuple[Any, ...]:
    """Everything a blank ballot shows (``shared_pages``): the round as it is now, not only
    its version, so no change that skipped the version is ever missed."""
    r = view.round
    assert r is not None
    return (
        "ballot",
        view.ranking_session.id,
        view.ranking_session.join_code,
        view.ranking_session.state_version,
        str(get_locale()),
        poll_seconds,
        r.id,
        r.title,
        r.anonymous,
        r.mode,
        r.ballot_length,
        tuple((item.id, item.title, item.explanation) for item in r.items),
    )


def _render_round(view: PhoneRound, status: int = 200) -> Response:
    fragment = _round_fragment(view, _poll_seconds(view.ranking_session))
    page: str = fragment
    if not _is_htmx():
        page = render_template("participate/vote.html", view=view, round_html=fragment)
    response = make_response(page, status)
    response.headers["Vary"] = "HX-Request"
    response.headers["Cache-Control"] = "no-store"
    return response


def _poll_seconds(ranking_session: RankingSession, joined: int | None = None) -> float:
    """Every POLL_SECONDS, less often in a hall so large that its phones would swamp the server."""
    config = current_app.config
    if joined is None:
        joined = g.get("participants_joined")
    if joined is None:
        joined = participant_count(db_session(), ranking_session.id)
    return phone_poll_seconds(
        float(config["POLL_SECONDS"]), joined, float(config["PHONE_POLLS_PER_SECOND"])
    )


def _canonical(code: str) -> str | None:
    """The normalised code, when the URL's differs (a redirect then tidies the address)."""
    normal = normalise_join_code(code)
    return normal if normal != code else None


# --- routes --------------------------------------------------------------------------------


@bp.get("/doe-mee")
def enter() -> Response | tuple[str, int] | str:
    """The join box on the home page: a typed code, in any case, with spaces."""
    raw = request.args.get("code", "")
    if not raw.strip():
        return render_template("participate/enter.html", error=None, code="")
    ranking_session = _lookup(raw)
    if ranking_session is None:
        return _unknown_code(raw)
    return redirect(url_for("participate.join", code=ranking_session.join_code))


@bp.route("/j/<code>", methods=["GET", "POST"])
def join(code: str) -> Response | tuple[str, int] | str:
    if (normal := _canonical(code)) is not None:
        return redirect(url_for("participate.join", code=normal))
    ranking_session = _lookup(code, with_rounds=True)
    if ranking_session is None:
        return _unknown_code(code)
    if _participant(ranking_session, polls=False) is not None:
        return redirect(url_for("participate.vote", code=code))
    form = JoinForm()
    # a roster names the organisations that may join: then the organisation is always asked
    roster = ranking_session.join_roster or []
    # the session decides what is asked: one tap for a resident or visitor answers it all
    quick = ranking_session.quick_roles and not roster and bool(form.quick.data)
    if (quick or not ranking_session.ask_organisation) and not roster:
        form.organisation.validators = [Optional()]
    if quick or not ranking_session.ask_pillar:
        form.pillar.validators = [Optional()]
    error: str | None = None
    status = 200
    now, closes_after = utcnow(), _join_closes_after()
    if ranking_session.joining_locked:
        error = _(
            "Deze sessie is gesloten voor nieuwe deelnemers. Vraag de gespreksleider "
            "om je toe te laten."
        )
        status = 403
    elif joining_ended(ranking_session, now=now, closes_after=closes_after):
        error, status = str(ENDED_MESSAGE), 403
    elif form.validate_on_submit():
        count_join()
        with unit_of_work(keep_loaded=True) as work:
            participant, token = join_session(
                db_session(),
                ranking_session,
                organisation_id=None,
                organisation_other=form.organisation.data,
                pillar_id=form.pillar.data if ranking_session.ask_pillar else None,
                display_name=form.display_name.data,
                quick_role=form.quick.data if quick else None,
                now=now,
                closes_after=closes_after,
            )
        if work.ok:
            _remember(ranking_session, token)
            # the ballot page itself, not a redirect to it: one round trip less on a hall's
            # Wi-Fi, and one request less for the server (the page then puts its own address
            # in the history, so a reload asks for the ballot and never joins again)
            return _render_round(_phone_round(ranking_session, participant, just_joined=True))
        error, status = work.error, work.status
    elif form.is_submitted():
        status = 422
        csrf = getattr(form, "csrf_token", None)
        if csrf is not None and csrf.errors:
            error = _("Je formulier was verlopen. Probeer het nog een keer.")
    if ranking_session.ask_pillar:
        # only for drawing the form: the service checks the pillar a join names
        form.pillar.choices = _pillar_choices()
    if roster:
        organisations: list[str] = sorted(roster, key=str.casefold)
    elif ranking_session.ask_organisation:
        organisations = list(
            db_session().scalars(select(Organisation.name).order_by(Organisation.name))
        )
    else:
        organisations = []

    def render() -> str:
        return render_template(
            "participate/join.html",
            ranking_session=ranking_session,
            form=form,
            organisations=organisations,
            roster=bool(roster),
            # a refusal that no answer can change (locked, ended) shows no form
            joinable=status != 403,
            error=error,
        )

    if request.method == "GET" and status == 200 and error is None and shareable():
        # the page a festival hall opens at once, alike for every phone: drawn once
        return render_shared(_join_page_key(ranking_session, organisations, form), render)
    return render(), status


def _join_page_key(
    ranking_session: RankingSession, organisations: list[str], form: JoinForm
) -> tuple[Any, ...]:
    """Everything a fresh join page shows (``shared_pages``)."""
    rs = ranking_session
    return (
        "join",
        rs.id,
        rs.join_code,
        rs.state_version,
        str(get_locale()),
        rs.title,
        rs.ask_organisation,
        rs.ask_pillar,
        rs.ask_names,
        rs.quick_roles,
        rs.joining_locked,
        tuple(rs.join_roster or ()),
        tuple(organisations),
        tuple(form.pillar.choices or ()),
    )


def _join_closes_after() -> timedelta | None:
    hours = float(current_app.config.get("JOIN_CLOSES_AFTER_HOURS", 12))
    return None if hours < 0 else timedelta(hours=hours)


@bp.get("/j/<code>/stem")
def vote(code: str) -> Response | tuple[str, int]:
    if (normal := _canonical(code)) is not None:
        return redirect(url_for("participate.vote", code=normal))
    ranking_session = _lookup(code, with_rounds=True)
    if ranking_session is None:
        return _unknown_code(code)
    participant = _participant(ranking_session)
    if participant is None:
        return redirect(url_for("participate.join", code=code))
    return _render_round(_phone_round(ranking_session, participant))


@bp.post("/j/<code>/stem")
def ballot(code: str) -> Response | tuple[str, int]:
    ranking_session = _lookup(code)
    if ranking_session is None:
        return _unknown_code(code)
    participant = _participant(ranking_session)
    if participant is None:
        return redirect(url_for("participate.join", code=ranking_session.join_code))
    form = BallotForm()
    round_id = form.round_id.data
    # a tampered number beyond any id would crash SQLite's integer binding
    readable = isinstance(round_id, int) and 0 < round_id <= MAX_DATABASE_ID
    round_ = None
    if readable and isinstance(round_id, int):
        round_ = session_round_with_items(db_session(), ranking_session.id, round_id)
    if round_ is None or not form.validate_on_submit():
        view = _phone_round(
            ranking_session,
            participant,
            error=_("Je stem kon niet worden gelezen. Probeer het nog een keer."),
        )
        # a round number that names no round of this session (another session's, swapped
        # in) is not found here; a number that is no number at all is unreadable
        return _render_round(view, 404 if round_ is None and readable else 422)
    item_ids = [item.id for item in round_.items]
    places = _submitted_places(item_ids)
    try:
        order = form.chosen_order(item_ids, request.form)
    except ValueError as invalid:
        view = _phone_round(
            ranking_session,
            participant,
            round_,
            error=str(invalid),
            submitted=form.ranking.data or None,
            places=places,
        )
        return _render_round(view, 422)
    stored: Ballot | None = None
    # the phone is shown what was just stored, from what the request already loaded
    with unit_of_work(keep_loaded=True) as work:
        # say so before complaining about the ballot itself: nothing on the phone can fix that
        if round_.state is RoundState.CLOSED:
            raise ServiceError(
                _("Deze ronde is gesloten. Je kunt je stem niet meer insturen of aanpassen."),
                status=409,
            )
        if round_.state is RoundState.DRAFT:
            raise ServiceError(_("Deze ronde is nog niet geopend."), status=409)
        stored = cast_ballot(db_session(), round_, participant, order)
    if work.refused is not None:
        if work.status == 409:
            # the round closed: show what the room sees now, with the reason on top
            view = _phone_round(ranking_session, participant, error=work.error)
        else:
            view = _phone_round(
                ranking_session,
                participant,
                round_,
                error=work.error,
                submitted=order,
                places=places,
            )
        return _render_round(view, work.status)
    if _is_htmx():
        view = _phone_round(ranking_session, participant, round_, ballot=stored)
        view.just_received = True
        return _render_round(view)
    return redirect(url_for("participate.vote", code=ranking_session.join_code) + "#bevestiging")


def _submitted_places(item_ids: list[int]) -> dict[int, int]:
    places: dict[int, int] = {}
    for item_id in item_ids:
        place = ascii_int_or_none(request.form.get(f"pos-{item_id}", ""), max_digits=3)
        if place is not None:
            places[item_id] = place
    return places


@bp.get("/j/<code>/status")
def status(code: str) -> Response | tuple[str, int]:
    """The round fragment, polled by the phone.

    304 when the session's state version is the one the phone has (one SELECT);
    204 when the state changed but not the round the phone shows (it keeps its
    half-sorted ballot and just learns the new version); 200 with the new round
    fragment when the round opened or closed.

    A code we do not know and a phone without its token get the same answer: go to the
    join page, which says whether the code exists, behind the limit on guessing. So the
    poll tells a guesser nothing, costs no limiter, and the phones of a deleted session
    stop polling after one answer instead of using up their hall's limit poll by poll.
    """
    normal = normalise_join_code(code)
    ranking_session = find_by_code(db_session(), normal, with_rounds=True)
    if ranking_session is None:
        return _to_join(normal)
    etag = phone_tag(ranking_session)
    if request.if_none_match.contains(etag):
        return _no_body(304, etag)
    participant = _participant(ranking_session)
    if participant is None:
        return _to_join(normal)
    round_ = current_round(ranking_session)
    if request.args.get("seen") == round_key(round_):
        return _shared(ranking_session, _no_body(204, etag))
    if round_ is not None and round_.state is RoundState.CLOSED:
        # the moment of truth: the whole hall asks within a poll or two; the shared part now,
        # each phone's own ballot a few seconds later
        joined = g.participants_joined or 0
        poll = _poll_seconds(ranking_session, joined)
        view = PhoneRound(ranking_session, participant, round_, personal=False)
        # a couple of hundred a second at most: a small room gets its own part at once
        view.spread_seconds = max(1.0, joined / 200)
        return _shared(ranking_session, _fragment(view, etag, poll))
    view = _phone_round(ranking_session, participant, round_)
    return _fragment(view, etag, _poll_seconds(ranking_session))


def _to_join(code: str) -> Response:
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url_for("participate.join", code=code)
    response.headers["Cache-Control"] = "no-store"
    return response


def _shared(ranking_session: RankingSession, response: Response) -> Response:
    """This answer is every participant's alike: the poll middleware gives it to the rest
    of the hall while the state version stays this one."""
    response.headers[SHARED_HEADER] = f"{ranking_session.id}:{ranking_session.state_version}"
    return response


def _fragment(view: PhoneRound, etag: str, poll_seconds: float) -> Response:
    response = make_response(_round_fragment(view, poll_seconds))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/j/<code>/mijn-stem/<int:round_id>")
def my_ballot(code: str, round_id: int) -> Response | tuple[str, int]:
    """The phone's own ballot in a closed round, fetched a little after the close."""
    ranking_session = _lookup(code)
    if ranking_session is None:
        return _unknown_code(code)
    participant = _participant(ranking_session, polls=False)
    round_ = session_round_with_items(db_session(), ranking_session.id, round_id)
    if participant is None or round_ is None or round_.state is not RoundState.CLOSED:
        return make_response("", 204)  # nothing of its own to show here
    view = _phone_round(ranking_session, participant, round_)
    view.fetched_alone = True
    response = make_response(render_template("participate/_my_ballot.html", view=view))
    response.headers["Cache-Control"] = "no-store"
    return response


def _no_body(status: int, etag: str) -> Response:
    response = make_response("", status)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-store"
    return response
