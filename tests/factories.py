"""Builders for the web and browser tests: sessions, rounds, participants and ballots made
through the services, as the app makes them. Each takes the app (or runs inside an app
context, where it says so) and returns plain ids and values, never live model objects.

The fixtures ``make_session``, ``make_user`` and ``login`` stay in ``tests/conftest.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from bs4 import BeautifulSoup
from clock import SESSION_DAY
from flask import template_rendered
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import (
    Ballot,
    BallotMode,
    CatalogueList,
    Coalition,
    MeetingKind,
    Organisation,
    Outcome,
    Participant,
    Phase,
    Pillar,
    RankingSession,
    Role,
    Round,
    User,
)
from hhu_ranking.services import agenda, rounds
from hhu_ranking.services.ballots import cast_ballot
from hhu_ranking.services.participants import join_session
from hhu_ranking.services.sessions import create_session

KERNGROEP = {
    "email": "kern@hhu.test",
    "password": "geheim-wachtwoord",
    "role": Role.KERNGROEP,
    "name": "Kees Kerngroep",
}
ITEMS = ("Mensgericht", "Missiegedreven", "Regiobreed", "Zelfsturend")
#: four ballots, as indexes into ITEMS
ORDERS = ([2, 0, 1, 3], [2, 1, 0, 3], [0, 2, 3, 1], [2, 0, 1, 3])


# -- inside an app context ------------------------------------------------------------------


def add_participant(
    ranking_session: RankingSession,
    *,
    organisation_id: int | None = None,
    organisation_other: str | None = None,
    pillar_id: int | None = None,
    display_name: str | None = None,
) -> tuple[Participant, str]:
    """Join ``ranking_session`` through the service (in an app context, not committed).

    Without an organisation the participant is from the first partner; without a pillar,
    from the first pillar. Given a name, the session is set to ask for names first (the
    service refuses a name otherwise). Returns the participant and its cookie token.
    """
    if display_name:
        ranking_session.ask_names = True
    if organisation_id is None and organisation_other is None:
        organisation_id = (
            db.session.scalars(select(Organisation).order_by(Organisation.id)).first().id
        )
    if pillar_id is None:
        pillar_id = db.session.scalar(select(Pillar).order_by(Pillar.position)).id
    return join_session(
        db.session,
        ranking_session,
        organisation_id=organisation_id,
        organisation_other=organisation_other,
        pillar_id=pillar_id,
        display_name=display_name,
    )


# -- sessions and rounds, voted on through the services ------------------------------------


def session_with_round(
    app: Any,
    *,
    items: Sequence[str | rounds.ItemSpec] = ("Mensgericht", "Missiegedreven", "Regiobreed"),
    title: str = "Netwerkbijeenkomst",
    held_on: date = SESSION_DAY,
    kind: MeetingKind = MeetingKind.NETWORK,
    ask_names: bool = False,
    join_questions: str = "partners",
    created_by_id: int | None = None,
    round_titles: Sequence[str] = ("Waarden",),
    mode: BallotMode = BallotMode.FULL,
    top_k: int | None = None,
    results_live: bool = True,
    opened: bool = False,
) -> dict[str, Any]:
    """A session with a round of ``items`` per title in ``round_titles`` (one by default), as
    drafts or, with ``opened``, the first one open; nobody voted yet.

    Returns the session's id and join code, the rounds' ids, and the first round's id and
    item ids (``round_id``, ``item_ids``).
    """
    with app.app_context():
        ranking_session = create_session(
            db.session,
            title=title,
            held_on=held_on,
            kind=kind,
            ask_names=ask_names,
            join_questions=join_questions,
            created_by=None if created_by_id is None else db.session.get(User, created_by_id),
        )
        made = [
            rounds.add_round(
                db.session,
                ranking_session,
                title=round_title,
                items=[i if isinstance(i, rounds.ItemSpec) else rounds.ItemSpec(i) for i in items],
                mode=mode,
                top_k=top_k,
                results_live=results_live,
            )
            for round_title in round_titles
        ]
        if opened:
            rounds.open_round(db.session, made[0])
        db.session.commit()
        return {
            "session_id": ranking_session.id,
            "code": ranking_session.join_code,
            "round_id": made[0].id,
            "round_ids": [r.id for r in made],
            "item_ids": [i.id for i in made[0].items],
        }


def voted_session(
    app: Any,
    *,
    items: Sequence[str] = ITEMS,
    orders: Sequence[Sequence[int]] = ORDERS,
    anonymous: bool = True,
    mode: BallotMode = BallotMode.FULL,
    top_k: int | None = None,
    names: Sequence[str | None] | None = None,
    organisations: Sequence[str] | None = None,
    close: bool = True,
    title: str = "Netwerkbijeenkomst",
    round_title: str = "Waarden",
    ranking_session_id: int | None = None,
    results_live: bool = True,
    weighting: str = rounds.WEIGHTING_EQUAL,
) -> dict[str, Any]:
    """A session (or a new round in an existing one) in which one phone per order voted.

    Returns ids, the join code, the participants' cookie tokens and token hashes (so tests
    can check they never leak) and, when closed, the outcome id.
    """
    with app.app_context():
        if ranking_session_id is None:
            ranking_session = create_session(
                db.session, title=title, held_on=SESSION_DAY, kind=MeetingKind.NETWORK
            )
        else:
            ranking_session = db.session.get(RankingSession, ranking_session_id)
        round_ = rounds.add_round(
            db.session,
            ranking_session,
            title=round_title,
            items=[rounds.ItemSpec(t) for t in items],
            mode=mode,
            top_k=top_k,
            anonymous=anonymous,
            results_live=results_live,
            weighting=weighting,
        )
        rounds.open_round(db.session, round_)
        pillars = list(db.session.scalars(select(Pillar).order_by(Pillar.position)))
        item_ids = [i.id for i in round_.items]
        tokens, hashes = [], []
        for number, order in enumerate(orders):
            organisation = (
                organisations[number]
                if organisations
                else ("Gemeente Utrecht" if number % 2 else "Buurtinitiatief Oost")
            )
            partner = db.session.scalar(
                select(Organisation).where(Organisation.name == organisation)
            )
            participant, token = add_participant(
                ranking_session,
                organisation_id=partner.id if partner else None,
                organisation_other=None if partner else organisation,
                pillar_id=pillars[number % len(pillars)].id,
                display_name=names[number] if names else None,
            )
            cast_ballot(db.session, round_, participant, [item_ids[i] for i in order])
            tokens.append(token)
            hashes.append(participant.token_hash)
        if close:
            rounds.close_round(db.session, round_)
        db.session.commit()
        return {
            "session_id": ranking_session.id,
            "code": ranking_session.join_code,
            "round_id": round_.id,
            "item_ids": item_ids,
            "tokens": tokens,
            "token_hashes": hashes,
            "outcome_id": _latest_outcome_id(round_.id) if close else None,
            "items": list(items),
        }


def catalogue_session(
    app: Any, held_on: date, list_key: str = "waarden", title: str = "Netwerkbijeenkomst"
) -> dict[str, Any]:
    """A session with one round built from a ready-made ballot (items linked to the catalogue)."""
    with app.app_context():
        catalogue = db.session.scalar(select(CatalogueList).where(CatalogueList.key == list_key))
        ranking_session = create_session(
            db.session, title=title, held_on=held_on, kind=MeetingKind.NETWORK
        )
        round_ = rounds.add_round(
            db.session,
            ranking_session,
            title=catalogue.title,
            items=rounds.items_from_catalogue(catalogue),
            catalogue_list_id=catalogue.id,
        )
        db.session.commit()
        return {
            "session_id": ranking_session.id,
            "round_id": round_.id,
            "item_ids": [i.id for i in round_.items],
            "catalogue_item_ids": [i.catalogue_item_id for i in round_.items],
        }


def run_round(
    app: Any, round_id: int, orders: Sequence[Sequence[int]], close: bool = True
) -> list[int]:
    """Open the round, let one new participant per order vote (orders index the round's items),
    and close it. Returns the participant ids."""
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        if round_.state.value != "open":
            rounds.open_round(db.session, round_)
        item_ids = [i.id for i in round_.items]
        session = db.session.get(RankingSession, round_.session_id)
        participant_ids = []
        for number, order in enumerate(orders):
            participant, _token = add_participant(
                session, organisation_other=f"Buurtinitiatief {number}"
            )
            cast_ballot(db.session, round_, participant, [item_ids[i] for i in order])
            participant_ids.append(participant.id)
        if close:
            rounds.close_round(db.session, round_)
        db.session.commit()
        return participant_ids


def revote(app: Any, round_id: int, participant_id: int, order: Sequence[int]) -> None:
    """Change an existing participant's ballot (the round must be open)."""
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        item_ids = [i.id for i in round_.items]
        participant = db.session.get(Participant, participant_id)
        cast_ballot(db.session, round_, participant, [item_ids[i] for i in order])
        db.session.commit()


def open_round(app: Any, round_id: int) -> None:
    """Open (or re-open) the round."""
    with app.app_context():
        rounds.open_round(db.session, db.session.get(Round, round_id))
        db.session.commit()


def close_round(app: Any, round_id: int) -> int | None:
    """Close the round; returns the id of the outcome it froze."""
    with app.app_context():
        rounds.close_round(db.session, db.session.get(Round, round_id))
        db.session.commit()
        return _latest_outcome_id(round_id)


def _latest_outcome_id(round_id: int) -> int | None:
    return db.session.scalar(
        select(Outcome.id)
        .where(Outcome.round_id == round_id)
        .order_by(Outcome.version_number.desc())
    )


# -- phones, through the app -----------------------------------------------------------------


def adopt_first_item(outcome: Any, user: Any, coalition: Any, item_id: int) -> Any:
    """Adopt one item of an outcome into a coalition's agenda, with the defaults the page offers
    (inside an app context; the caller commits)."""
    defaults = agenda.adopt_defaults(db.session, outcome)
    return agenda.adopt_item(
        db.session,
        user,
        outcome,
        item_id,
        coalition_id=coalition.id,
        phase_id=defaults.phase_id,
        year=defaults.year,
    )


def pillar_id(app: Any, key: str = "praktijk") -> int:
    with app.app_context():
        pillar = db.session.scalar(select(Pillar).where(Pillar.key == key))
        if pillar is None:
            pillar = db.session.scalar(select(Pillar).order_by(Pillar.position))
        return pillar.id


def phone_state_tag(app: Any, session_id: int) -> str:
    """The ETag a phone of the session holds while its state stays as it is now."""
    from hhu_ranking.polling import phone_etag, poll_tag_key

    with app.app_context():
        ranking_session = db.session.get(RankingSession, session_id)
        key = poll_tag_key(app.config["SECRET_KEY"])
        return f'"{phone_etag(ranking_session.state_version, ranking_session.join_code, key)}"'


def join(
    client: Any, app: Any, code: str, organisation: str = "Gemeente Utrecht", name: str = ""
) -> Any:
    return client.post(
        f"/j/{code}",
        data={"organisation": organisation, "pillar": pillar_id(app), "display_name": name},
    )


def eventually(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether ``predicate`` holds within ``timeout`` seconds (for what a thread does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def shows_ballot(response: Any) -> bool:
    """A join that went through: answered with the phone's ballot page itself."""
    return response.status_code == 200 and b'id="phone-round"' in response.get_data()


def vote(client: Any, code: str, round_id: int, ranking: list[int], **headers: str) -> Any:
    return client.post(
        f"/j/{code}/stem", data={"round_id": round_id, "ranking": ranking}, headers=headers
    )


def vote_by_places(client: Any, code: str, round_id: int, places: dict[int, int | str]) -> Any:
    """Send a ballot as the form without JavaScript does: a place per item id (``pos-<id>``)."""
    fields = {f"pos-{item_id}": str(place) for item_id, place in places.items()}
    return client.post(f"/j/{code}/stem", data={"round_id": round_id, **fields})


# -- the facilitator's forms, as the browser posts them ---------------------------------------


def new_round_form(**fields: Any) -> dict[str, Any]:
    """The new-round form with own items (``items_text``, one per line); ``fields`` override."""
    return {
        "source": "own",
        "title": "",
        "items_text": "",
        "mode": "full",
        "top_k": "",
        "results_live": "y",
        "anonymous": "y",
        **fields,
    }


def edit_round_form(
    rows: Sequence[str | tuple[str, str]],
    *,
    title: str = "Waarden",
    mode: str = "full",
    top_k: int | str = "",
    **fields: Any,
) -> dict[str, Any]:
    """The edit form of a draft round, saved: one row per item (a title, or a title and its
    explanation), live results and anonymity on; ``fields`` override."""
    data: dict[str, Any] = {
        "title": title,
        "mode": mode,
        "top_k": top_k,
        "results_live": "y",
        "anonymous": "y",
        "action": "save",
    }
    for index, row in enumerate(rows):
        item_title, explanation = (row, "") if isinstance(row, str) else row
        data[f"items-{index}-title"] = item_title
        data[f"items-{index}-explanation"] = explanation
        data[f"items-{index}-catalogue_item_id"] = ""
    data.update(fields)
    return data


def adopt_form(
    app: Any,
    *,
    coalition: str = "wijkgerichte-preventie",
    phase: str = "meters-maken",
    **fields: Any,
) -> dict[str, Any]:
    """The form that puts an outcome's item on a coalition's agenda (coalition and phase by
    key), filled in as the kerngroep would; ``fields`` override."""
    with app.app_context():
        coalition_id = db.session.scalar(select(Coalition.id).where(Coalition.key == coalition))
        phase_id = db.session.scalar(select(Phase.id).where(Phase.key == phase))
    return {
        "coalition_id": coalition_id,
        "phase_id": phase_id,
        "year": 2026,
        "owner": "Trekker Wijkgerichte preventie",
        "status": "proposed",
        "note": "Eerst verkennen met de wijkteams.",
        **fields,
    }


# -- reading back, detached ------------------------------------------------------------------


def ballots(app: Any, round_id: int) -> list[Ballot]:
    with app.app_context():
        rows = db.session.scalars(
            select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.participant_id)
        ).all()
        db.session.expunge_all()
        return list(rows)


def outcomes(app: Any, round_id: int) -> list[dict[str, Any]]:
    """The round's outcomes as plain dicts (oldest first), detached from the session."""
    with app.app_context():
        rows = db.session.scalars(
            select(Outcome).where(Outcome.round_id == round_id).order_by(Outcome.version_number)
        ).all()
        return [
            {
                "id": o.id,
                "version_number": o.version_number,
                "result": o.result,
                "canonical_ballots": o.canonical_ballots,
                "ballots_digest": o.ballots_digest,
                "ballot_count": o.ballot_count,
                "aggregation_version": o.aggregation_version,
                "weighting": o.weighting,
                "data": o.data,
            }
            for o in rows
        ]


def outcome_snapshot(app: Any, outcome_id: int) -> dict[str, Any]:
    """The outcome's stored fields, detached."""
    with app.app_context():
        outcome = db.session.get(Outcome, outcome_id)
        return {
            "id": outcome.id,
            "result": outcome.result,
            "data": outcome.data,
            "ballots": outcome.ballots,
            "version_number": outcome.version_number,
            "ballots_digest": outcome.ballots_digest,
            "ballot_count": outcome.ballot_count,
        }


def participants(app: Any, session_id: int) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(
            select(Participant).where(Participant.session_id == session_id).order_by(Participant.id)
        )
        return [
            {
                "id": p.id,
                "organisation": p.organisation_label,
                "pillar": p.pillar.name_nl if p.pillar else None,
                "ballot_import_id": p.ballot_import_id,
                "token_hash": p.token_hash,
            }
            for p in rows
        ]


# -- pages, parsed ---------------------------------------------------------------------------


def parse_html(page: Any) -> BeautifulSoup:
    """A response's (or a string's) HTML as a tree, for assertions on elements."""
    text = page if isinstance(page, str) else page.get_data(as_text=True)
    return BeautifulSoup(text, "html.parser")


def texts(page: Any, selector: str) -> list[str]:
    """The text of every element the CSS ``selector`` matches, whitespace collapsed."""
    return [" ".join(tag.get_text(" ").split()) for tag in parse_html(page).select(selector)]


def csrf_tokens(page: Any) -> tuple[list[str], str]:
    """A page's CSRF tokens: those of its forms' hidden fields, and the one htmx sends
    (the body's ``hx-headers``; empty for a fragment)."""
    tree = parse_html(page)
    fields = [str(tag["value"]) for tag in tree.select("input[name=csrf_token]")]
    body = tree.select_one("body[hx-headers]")
    sent = json.loads(str(body["hx-headers"]))["X-CSRFToken"] if body is not None else ""
    return fields, sent


@contextmanager
def rendered(app: Any) -> Iterator[list[str]]:
    """The names of the templates ``app`` renders meanwhile."""
    names: list[str] = []

    def note(sender: Any, template: Any, context: Any, **extra: Any) -> None:
        names.append(template.name)

    template_rendered.connect(note, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(note, app)
