"""The facilitator's pages: sessions, rounds, their lifecycle, joining and copying."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from factories import add_participant, edit_round_form, new_round_form, parse_html, texts
from sqlalchemy import func, select

from hhu_ranking.extensions import db
from hhu_ranking.models import (
    Ballot,
    BallotMode,
    CatalogueList,
    Coalition,
    Participant,
    RankingSession,
    Round,
    RoundState,
)
from hhu_ranking.services import rounds as round_service
from hhu_ranking.services.ballots import cast_ballot
from hhu_ranking.services.codes import JOIN_ALPHABET
from hhu_ranking.services.errors import ServiceError

HTMX = {"HX-Request": "true"}
CODE = re.compile(f"^[{JOIN_ALPHABET}]{{6}}$")


@pytest.fixture
def facilitator(login: Callable[..., Any]) -> Any:
    """A test client logged in as a facilitator."""
    return login()


@pytest.fixture
def fetch(app: Any) -> Callable[..., Any]:
    """Run a function inside the app context and return its result (models stay usable)."""

    def run(fn: Callable[[], Any]) -> Any:
        with app.app_context():
            return fn()

    return run


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def _new_session(client: Any, **fields: Any) -> int:
    data = {
        "title": "Netwerkbijeenkomst november",
        "held_on": "2030-11-22",
        "kind": "netwerkbijeenkomst",
        "coalition": "",
    }
    data.update(fields)
    response = client.post("/beheer/sessies/nieuw", data=data)
    assert response.status_code == 302, _text(response)
    return int(response.location.rsplit("/", 1)[1])


def _add_round(client: Any, session_id: int, **fields: Any) -> Any:
    return client.post(f"/beheer/sessies/{session_id}/rondes/nieuw", data=new_round_form(**fields))


def _rounds(session_id: int) -> list[Round]:
    return list(
        db.session.scalars(
            select(Round).where(Round.session_id == session_id).order_by(Round.position)
        )
    )


def _catalogue_source(key: str) -> str:
    catalogue_list = db.session.scalar(select(CatalogueList).where(CatalogueList.key == key))
    return f"list-{catalogue_list.id}"


def _edit_form(round_: Round, rows: list[tuple[str, str]], **fields: Any) -> dict[str, Any]:
    """The edit form as the page fills it in for ``round_``, with these rows."""
    page = {"title": round_.title, "mode": round_.mode.value, "top_k": round_.top_k or ""}
    return edit_round_form(rows, **{**page, **fields})


def _vote(ranking_session_id: int, round_id: int, reverse: bool = False) -> None:
    ranking_session = db.session.get(RankingSession, ranking_session_id)
    round_ = db.session.get(Round, round_id)
    participant, _token = add_participant(ranking_session, display_name="Anna")
    order = [i.id for i in round_.items]
    cast_ballot(db.session, round_, participant, order[::-1] if reverse else order)
    db.session.commit()


# --- login ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/beheer/"),
        ("get", "/beheer/sessies/nieuw"),
        ("post", "/beheer/sessies/nieuw"),
        ("get", "/beheer/sessies/1"),
        ("post", "/beheer/rondes/1/openen"),
        ("post", "/beheer/sessies/1/deelname"),
    ],
)
def test_every_page_asks_to_log_in_first(client, make_session, method, path):
    ids = make_session()
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.location.startswith("/auth/login")
    with client.application.app_context():
        assert db.session.get(Round, ids["round_id"]).state is RoundState.DRAFT


# --- sessions ---------------------------------------------------------------------------------


def test_create_a_session_and_it_appears_with_a_six_character_code(facilitator, fetch):
    page = facilitator.get("/beheer/sessies/nieuw")
    assert "Soort bijeenkomst" in _text(page)
    assert "Kennisfestival Gelukkig Gezond" in _text(page)  # Dutch labels, not enum values
    coalition_id = fetch(
        lambda: db.session.scalar(
            select(Coalition.id).where(Coalition.name == "Digitale transformatie")
        )
    )
    session_id = _new_session(
        facilitator,
        title="Werksessie Digitale transformatie",
        kind="werksessie",
        coalition=str(coalition_id),
    )
    stored = fetch(lambda: db.session.get(RankingSession, session_id))
    assert CODE.match(stored.join_code)
    assert (stored.kind.value, stored.coalition_id, stored.held_on) == (
        "werksessie",
        coalition_id,
        date(2030, 11, 22),
    )

    dashboard = _text(facilitator.get("/beheer/"))
    assert "Werksessie Digitale transformatie" in dashboard
    assert stored.join_code in dashboard

    page = _text(facilitator.get(f"/beheer/sessies/{session_id}"))
    assert stored.join_code in page
    assert f"/j/{stored.join_code}" in page  # the phones' link
    assert f"/scherm/{stored.join_code}" in page  # the projector page
    assert "Digitale transformatie" in page


def test_a_session_without_a_title_is_not_created(facilitator, fetch):
    response = facilitator.post(
        "/beheer/sessies/nieuw",
        data={"title": "", "held_on": "2030-11-22", "kind": "alv", "coalition": ""},
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in _text(response)
    assert fetch(lambda: db.session.scalar(select(func.count()).select_from(RankingSession))) == 0


def test_dashboard_lists_upcoming_sessions_before_past_ones(facilitator):
    today = date.today()
    _new_session(facilitator, title="Vorige ALV", held_on=(today - timedelta(days=30)).isoformat())
    _new_session(facilitator, title="Komende ALV", held_on=(today + timedelta(days=30)).isoformat())
    page = _text(facilitator.get("/beheer/"))
    upcoming, past = page.split("Eerdere sessies")
    assert "Komende ALV" in upcoming and "Vorige ALV" not in upcoming
    assert "Vorige ALV" in past
    assert "Opnieuw gebruiken" in past


# --- adding rounds ----------------------------------------------------------------------------


def test_add_a_round_from_a_ready_made_ballot(facilitator, fetch):
    session_id = _new_session(facilitator)
    form = _text(facilitator.get(f"/beheer/sessies/{session_id}/rondes/nieuw"))
    assert "Spelregels" in form and "Lachen mag" in form  # lists with their items
    source = fetch(lambda: _catalogue_source("waarden"))
    response = _add_round(facilitator, session_id, source=source)
    assert response.status_code == 302
    assert response.location.endswith(f"/beheer/sessies/{session_id}#round-1")

    def check() -> None:
        (round_,) = _rounds(session_id)
        assert round_.title == "Waarden"  # the list's name when no title was typed
        assert round_.state is RoundState.DRAFT and round_.catalogue_list_id is not None
        assert [i.title for i in round_.items] == [
            "Mensgericht",
            "Missiegedreven",
            "Publiek-privaat",
            "Zelfsturend",
            "Regiobreed",
            "Designbewust",
        ]
        assert all(i.catalogue_item_id is not None for i in round_.items)
        assert round_.items[0].explanation

    fetch(check)
    page = _text(facilitator.get(f"/beheer/sessies/{session_id}"))
    assert "Ronde ‘Waarden’ toegevoegd." in page and "6 onderdelen" in page


def test_add_a_round_from_own_items_with_explanations(facilitator, fetch):
    session_id = _new_session(facilitator)
    response = _add_round(
        facilitator,
        session_id,
        title="Wat eerst?",
        items_text=(
            "Wijkgerichte preventie | gezond opgroeien en oud worden in de wijk\n"
            "Digitale transformatie\n"
            "\n"
            "Aantrekkelijke arbeidsmarkt | genoeg mensen in zorg en welzijn\n"
        ),
        mode="top_k",
        top_k="2",
        results_live="",
        anonymous="y",
    )
    assert response.status_code == 302

    def check() -> None:
        (round_,) = _rounds(session_id)
        assert round_.title == "Wat eerst?"
        assert [(i.title, i.explanation) for i in round_.items] == [
            ("Wijkgerichte preventie", "gezond opgroeien en oud worden in de wijk"),
            ("Digitale transformatie", ""),
            ("Aantrekkelijke arbeidsmarkt", "genoeg mensen in zorg en welzijn"),
        ]
        assert (round_.mode, round_.top_k, round_.results_live, round_.anonymous) == (
            BallotMode.TOP_K,
            2,
            False,
            True,
        )

    fetch(check)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"items_text": "Mensgericht"}, "2 tot 30 onderdelen; nu zijn het er 1"),
        (
            {"items_text": "\n".join(f"Principe {n}" for n in range(31))},
            "2 tot 30 onderdelen; nu zijn het er 31",
        ),
        (
            {"items_text": "Lachen mag\nSamen uit, samen thuis\nlachen mag | nog eens"},
            "dezelfde titel",
        ),
        ({"items_text": "A\nB\nC", "mode": "top_k", "top_k": "3"}, "k van 1 tot 2"),
        ({"items_text": "A\nB\nC", "mode": "top_k", "top_k": "0"}, "k van 1 tot 2"),
        ({"items_text": "A\nB\nC", "mode": "top_k", "top_k": ""}, "k van 1 tot 2"),
        ({"items_text": "A\nB", "title": ""}, "Geef de ronde een titel"),
    ],
)
def test_a_wrong_round_gets_a_clear_dutch_message_and_nothing_is_stored(
    facilitator, fetch, fields, message
):
    session_id = _new_session(facilitator)
    fields.setdefault("title", "Eigen lijst")
    response = _add_round(facilitator, session_id, **fields)
    assert response.status_code == 200
    page = _text(response)
    assert message in page
    assert 'role="alert"' in page
    assert fetch(lambda: _rounds(session_id)) == []


def test_a_round_needs_a_source(facilitator, fetch):
    session_id = _new_session(facilitator)
    response = _add_round(facilitator, session_id, source="")
    assert response.status_code == 200
    assert "Kies waar de onderdelen vandaan komen" in _text(response)
    assert fetch(lambda: _rounds(session_id)) == []


# --- editing a draft round --------------------------------------------------------------------


def test_move_buttons_work_without_javascript_and_saving_keeps_the_order(
    facilitator, make_session, fetch
):
    ids = make_session(items=("Mensgericht", "Missiegedreven", "Regiobreed"))
    url = f"/beheer/rondes/{ids['round_id']}/bewerken"
    page = _text(facilitator.get(url))
    assert 'value="Mensgericht"' in page and 'name="items-3-title"' in page  # a blank row
    round_ = fetch(lambda: db.session.get(Round, ids["round_id"]))
    rows = [("Mensgericht", ""), ("Missiegedreven", ""), ("Regiobreed", "")]

    # "Omlaag" on the first row: the page comes back with the rows swapped, not yet saved
    moved = facilitator.post(url, data=_edit_form(round_, rows, action="down-0"))
    assert moved.status_code == 200
    text = _text(moved)
    assert "Nog niet opgeslagen" in text
    assert text.index('value="Missiegedreven"') < text.index('value="Mensgericht"')
    assert fetch(lambda: [i.title for i in db.session.get(Round, ids["round_id"]).items]) == [
        "Mensgericht",
        "Missiegedreven",
        "Regiobreed",
    ]

    # "Omhoog" on the last row, then "Weghalen", then a new row
    text = _text(facilitator.post(url, data=_edit_form(round_, rows, action="up-2")))
    assert text.index('value="Regiobreed"') < text.index('value="Missiegedreven"')
    text = _text(facilitator.post(url, data=_edit_form(round_, rows, action="remove-1")))
    assert 'value="Missiegedreven"' not in text
    text = _text(facilitator.post(url, data=_edit_form(round_, rows, action="add")))
    assert 'name="items-3-title"' in text

    # saving posts the rows in their new order (as the drag-and-drop script numbers them)
    saved = facilitator.post(
        url,
        data=_edit_form(
            round_,
            [
                ("Regiobreed", "van huis tot provincie"),
                ("Mensgericht", ""),
                ("Missiegedreven", ""),
                ("", ""),
            ],
        ),
    )
    assert saved.status_code == 302
    assert fetch(
        lambda: [
            (i.title, i.explanation, i.position)
            for i in db.session.get(Round, ids["round_id"]).items
        ]
    ) == [
        ("Regiobreed", "van huis tot provincie", 0),
        ("Mensgericht", "", 1),
        ("Missiegedreven", "", 2),
    ]


def test_edit_a_draft_round_items_and_settings_together(facilitator, make_session, fetch):
    ids = make_session(items=("A", "B", "C"))
    round_ = fetch(lambda: db.session.get(Round, ids["round_id"]))
    rows = [(t, "") for t in "ABCDE"]
    saved = facilitator.post(
        f"/beheer/rondes/{ids['round_id']}/bewerken",
        data=_edit_form(round_, rows, title="Top drie", mode="top_k", top_k="3", results_live=""),
    )
    assert saved.status_code == 302
    edited = fetch(lambda: db.session.get(Round, ids["round_id"]))
    assert (edited.title, edited.mode, edited.top_k, edited.results_live) == (
        "Top drie",
        BallotMode.TOP_K,
        3,
        False,
    )
    assert len(fetch(lambda: db.session.get(Round, ids["round_id"]).items)) == 5
    assert "Top 3 kiezen" in _text(facilitator.get(f"/beheer/sessies/{ids['session_id']}"))


@pytest.mark.parametrize(
    ("rows", "fields", "message"),
    [
        ([("Alleen ik", "")], {}, "nu zijn het er 1"),
        ([("Zelfde", ""), ("zelfde", "")], {}, "dezelfde titel"),
        ([("A", ""), ("B", "")], {"mode": "top_k", "top_k": "2"}, "k van 1 tot 1"),
    ],
)
def test_a_wrong_edit_is_refused_and_the_round_stays_as_it_was(
    facilitator, make_session, fetch, rows, fields, message
):
    ids = make_session()
    round_ = fetch(lambda: db.session.get(Round, ids["round_id"]))
    response = facilitator.post(
        f"/beheer/rondes/{ids['round_id']}/bewerken", data=_edit_form(round_, rows, **fields)
    )
    assert response.status_code == 400
    assert message in _text(response)
    assert 'value="' + rows[0][0] + '"' in _text(response)  # what was typed is kept
    assert fetch(lambda: [i.title for i in db.session.get(Round, ids["round_id"]).items]) == [
        "Mensgericht",
        "Missiegedreven",
        "Regiobreed",
    ]


def test_a_draft_round_can_be_deleted_but_an_opened_one_cannot(facilitator, make_session, fetch):
    ids = make_session()
    facilitator.post(f"/beheer/rondes/{ids['round_id']}/openen")
    refused = facilitator.post(
        f"/beheer/rondes/{ids['round_id']}/verwijderen", follow_redirects=True
    )
    assert "blijft bewaard" in _text(refused)
    fresh = make_session()
    facilitator.post(f"/beheer/rondes/{fresh['round_id']}/verwijderen")
    assert fetch(lambda: db.session.get(Round, fresh["round_id"])) is None
    assert fetch(lambda: db.session.get(Round, ids["round_id"])) is not None


# --- lifecycle --------------------------------------------------------------------------------


def test_open_close_and_reopen_with_plain_posts(facilitator, make_session, fetch):
    ids = make_session()
    rid, sid = ids["round_id"], ids["session_id"]

    def state() -> RoundState:
        return fetch(lambda: db.session.get(Round, rid).state)

    opened = facilitator.post(f"/beheer/rondes/{rid}/openen")
    assert opened.status_code == 302 and opened.location.endswith(f"#round-{rid}")
    assert state() is RoundState.OPEN
    page = _text(facilitator.get(f"/beheer/sessies/{sid}"))
    assert "is open: de deelnemers kunnen stemmen" in page and "Ronde sluiten" in page

    fetch(lambda: _vote(sid, rid))
    page = _text(facilitator.get(f"/beheer/sessies/{sid}"))
    # while open, only the live (polled) numbers count the votes: a card would go stale
    assert "1 van de 1 hebben gestemd" in texts(page, "p:has(> strong.number)")
    assert "deelnemers hebben gestemd" not in page

    facilitator.post(f"/beheer/rondes/{rid}/sluiten")
    assert state() is RoundState.CLOSED
    page = _text(facilitator.get(f"/beheer/sessies/{sid}"))
    assert "Opnieuw openen" in page
    assert "1 van de 1 deelnemers hebben gestemd" in texts(page, "p:has(> strong)")

    facilitator.post(f"/beheer/rondes/{rid}/openen")
    assert state() is RoundState.OPEN
    assert "is weer open" in _text(facilitator.get(f"/beheer/sessies/{sid}"))
    assert fetch(lambda: round_service.ballot_counts(db.session, [rid])) == {rid: 1}


def test_htmx_buttons_get_the_rounds_fragment_back(facilitator, make_session, fetch):
    ids = make_session()
    rid = ids["round_id"]
    opened = facilitator.post(f"/beheer/rondes/{rid}/openen", headers=HTMX)
    assert opened.status_code == 200
    assert "HX-Request" in opened.headers["Vary"]
    fragment = _text(opened)
    assert fragment.lstrip().startswith(f'<li class="round card state-open" id="round-{rid}"')
    assert "<html" not in fragment
    # closing is two steps: the button asks for the confirmation, which posts
    assert f'hx-get="/beheer/rondes/{rid}/sluiten"' in fragment
    assert 'hx-swap-oob="true"' in fragment  # the announcement for screen readers
    confirm = _text(facilitator.get(f"/beheer/rondes/{rid}/sluiten", headers=HTMX))
    assert f'hx-post="/beheer/rondes/{rid}/sluiten"' in confirm and "nu sluiten?" in confirm
    assert fetch(lambda: db.session.get(Round, rid).state) is RoundState.OPEN

    closed = _text(facilitator.post(f"/beheer/rondes/{rid}/sluiten", headers=HTMX))
    assert "state-closed" in closed and "Opnieuw openen" in closed
    assert fetch(lambda: db.session.get(Round, rid).state) is RoundState.CLOSED


def test_a_second_open_round_is_refused_with_a_message(facilitator, make_session, fetch):
    ids = make_session()
    session_id = ids["session_id"]
    _add_round(facilitator, session_id, title="Spelregels", items_text="Lachen mag\nDelen")
    first, second = fetch(lambda: [r.id for r in _rounds(session_id)])
    facilitator.post(f"/beheer/rondes/{first}/openen")

    fragment = _text(facilitator.post(f"/beheer/rondes/{second}/openen", headers=HTMX))
    assert "Sluit eerst de ronde ‘Waarden’" in fragment and 'role="alert"' in fragment
    page = _text(facilitator.post(f"/beheer/rondes/{second}/openen", follow_redirects=True))
    assert "Sluit eerst de ronde ‘Waarden’" in page
    assert fetch(lambda: db.session.get(Round, second).state) is RoundState.DRAFT


def test_closing_a_round_that_is_not_open_says_so(facilitator, make_session, fetch):
    ids = make_session()
    page = _text(
        facilitator.post(f"/beheer/rondes/{ids['round_id']}/sluiten", follow_redirects=True)
    )
    assert "Deze ronde is niet open." in page
    assert fetch(lambda: db.session.get(Round, ids["round_id"]).state) is RoundState.DRAFT


def test_items_cannot_be_edited_once_a_round_has_opened(facilitator, make_session, fetch):
    ids = make_session()
    rid = ids["round_id"]
    url = f"/beheer/rondes/{rid}/bewerken"
    assert "Bewerken" in _text(facilitator.get(f"/beheer/sessies/{ids['session_id']}"))
    facilitator.post(f"/beheer/rondes/{rid}/openen")

    session_page = _text(facilitator.get(f"/beheer/sessies/{ids['session_id']}"))
    assert "Instellingen" in session_page and "Bewerken<span" not in session_page
    page = _text(facilitator.get(url))
    assert "liggen daarom vast" in page
    assert "items-0-title" not in page  # no item editor

    round_ = fetch(lambda: db.session.get(Round, rid))
    refused = facilitator.post(url, data=_edit_form(round_, [("Nieuw", ""), ("Anders", "")]))
    assert refused.status_code == 409
    assert "De onderdelen liggen vast zodra een ronde geopend is." in _text(refused)
    assert "items-0-title" not in _text(refused)
    moved = facilitator.post(url, data=_edit_form(round_, [("A", ""), ("B", "")], action="down-0"))
    assert "liggen vast zodra" in _text(moved) and "items-0-title" not in _text(moved)
    assert fetch(lambda: [i.title for i in db.session.get(Round, rid).items]) == [
        "Mensgericht",
        "Missiegedreven",
        "Regiobreed",
    ]

    # title and live results may still change
    saved = facilitator.post(
        f"/beheer/rondes/{rid}/instellingen", data={"title": "Waarden 2026", "anonymous": "y"}
    )
    assert saved.status_code == 302
    changed = fetch(lambda: db.session.get(Round, rid))
    assert (changed.title, changed.results_live, changed.state) == (
        "Waarden 2026",
        False,
        RoundState.OPEN,
    )


# --- joining, live numbers, copying -----------------------------------------------------------


def test_lock_and_unlock_joining(facilitator, make_session, fetch):
    ids = make_session()
    sid = ids["session_id"]
    response = facilitator.post(
        f"/beheer/sessies/{sid}/deelname", data={"locked": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    fragment = _text(response)
    assert 'id="joining"' in fragment and "Meedoen is dicht" in fragment
    assert "Meedoen weer openzetten" in fragment

    def try_to_join() -> None:
        add_participant(
            db.session.get(RankingSession, sid), organisation_other="Buurtteam Overvecht"
        )

    with pytest.raises(ServiceError, match="gesloten voor nieuwe deelnemers"):
        fetch(try_to_join)

    page = facilitator.post(
        f"/beheer/sessies/{sid}/deelname", data={"locked": "0"}, follow_redirects=True
    )
    assert "Nieuwe deelnemers kunnen weer meedoen" in _text(page)
    assert fetch(lambda: db.session.get(RankingSession, sid).joining_locked) is False
    bad = facilitator.post(f"/beheer/sessies/{sid}/deelname", data={"locked": "ja"})
    assert bad.status_code == 400


def test_live_numbers_answer_304_until_someone_votes(facilitator, make_session, fetch):
    ids = make_session()
    facilitator.post(f"/beheer/rondes/{ids['round_id']}/openen")
    url = f"/beheer/sessies/{ids['session_id']}/stand"
    first = facilitator.get(url, headers=HTMX)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache, private"
    assert "Open ronde:" in _text(first)
    etag = first.headers["ETag"]
    assert facilitator.get(url, headers={**HTMX, "If-None-Match": etag}).status_code == 304

    fetch(lambda: _vote(ids["session_id"], ids["round_id"]))
    after = facilitator.get(url, headers={**HTMX, "If-None-Match": etag})
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert "1 van de 1 hebben gestemd" in texts(after, "p:has(> strong.number)")


def test_copy_a_past_session_into_a_new_one(facilitator, make_session, fetch):
    ids = make_session()
    sid, rid = ids["session_id"], ids["round_id"]
    _add_round(
        facilitator,
        sid,
        title="Top twee",
        items_text="A | eerste\nB\nC",
        mode="top_k",
        top_k="2",
        results_live="",
    )
    facilitator.post(f"/beheer/rondes/{rid}/openen")
    fetch(lambda: _vote(sid, rid))
    fetch(lambda: _vote(sid, rid, reverse=True))
    facilitator.post(f"/beheer/rondes/{rid}/sluiten")

    form = _text(facilitator.get(f"/beheer/sessies/{sid}/kopieren"))
    assert 'value="Netwerkbijeenkomst"' in form
    response = facilitator.post(
        f"/beheer/sessies/{sid}/kopieren",
        data={"title": "Netwerkbijeenkomst maart", "held_on": "2031-03-14"},
    )
    assert response.status_code == 302
    copy_id = int(response.location.rsplit("/", 1)[1])
    assert copy_id != sid

    def check() -> None:
        source = db.session.get(RankingSession, sid)
        copy = db.session.get(RankingSession, copy_id)
        assert (copy.title, copy.held_on, copy.kind, copy.copied_from_id) == (
            "Netwerkbijeenkomst maart",
            date(2031, 3, 14),
            source.kind,
            sid,
        )
        assert CODE.match(copy.join_code) and copy.join_code != source.join_code
        assert [(r.title, r.mode, r.top_k, r.results_live) for r in copy.rounds] == [
            (r.title, r.mode, r.top_k, r.results_live) for r in source.rounds
        ]
        assert [[(i.title, i.explanation) for i in r.items] for r in copy.rounds] == [
            [(i.title, i.explanation) for i in r.items] for r in source.rounds
        ]
        assert all(r.state is RoundState.DRAFT for r in copy.rounds)
        copy_round_ids = [r.id for r in copy.rounds]
        assert (
            db.session.scalar(
                select(func.count()).select_from(Ballot).where(Ballot.round_id.in_(copy_round_ids))
            )
            == 0
        )
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Participant)
                .where(Participant.session_id == copy_id)
            )
            == 0
        )
        # the source keeps its result
        assert round_service.ballot_counts(db.session, [rid]) == {rid: 2}

    fetch(check)
    page = _text(facilitator.get(f"/beheer/sessies/{copy_id}"))
    assert "Alle rondes staan klaar als concept" in page
    assert page.count("Ronde openen") == 2


# --- CSRF -------------------------------------------------------------------------------------


def _token(html: str) -> str:
    field = parse_html(html).select_one('input[name="csrf_token"]')
    assert field is not None and field["value"], "no CSRF token on the page"
    return field["value"]


def test_posts_need_the_csrf_token(csrf_client, make_session):
    ids = make_session()
    login_page = _text(csrf_client.get("/auth/login"))
    assert (
        csrf_client.post(
            "/auth/login", data={"email": "leider@hhu.test", "password": "geheim-wachtwoord"}
        ).status_code
        == 400
    )
    assert (
        csrf_client.post(
            "/auth/login",
            data={
                "email": "leider@hhu.test",
                "password": "geheim-wachtwoord",
                "csrf_token": _token(login_page),
            },
        ).status_code
        == 302
    )

    page = _text(csrf_client.get(f"/beheer/sessies/{ids['session_id']}"))
    token = _token(page)
    rid = ids["round_id"]
    assert csrf_client.post(f"/beheer/rondes/{rid}/openen").status_code == 400
    assert csrf_client.post(f"/beheer/rondes/{rid}/openen", headers=HTMX).status_code == 400
    assert (
        csrf_client.post(
            f"/beheer/sessies/{ids['session_id']}/deelname", data={"locked": "1"}
        ).status_code
        == 400
    )
    assert (
        csrf_client.post(
            "/beheer/sessies/nieuw",
            data={"title": "Zonder token", "held_on": "2030-01-01", "kind": "alv", "coalition": ""},
        ).status_code
        == 400
    )

    # htmx sends the token from <body hx-headers>; a plain form sends the hidden field
    header_token = json.loads(parse_html(page).body["hx-headers"])["X-CSRFToken"]
    opened = csrf_client.post(
        f"/beheer/rondes/{rid}/openen", headers={**HTMX, "X-CSRFToken": header_token}
    )
    assert opened.status_code == 200 and "state-open" in _text(opened)
    closed = csrf_client.post(f"/beheer/rondes/{rid}/sluiten", data={"csrf_token": token})
    assert closed.status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/beheer/sessies/{n}",
        "/beheer/rondes/{n}/bewerken",
        "/uitkomsten/{n}",
        "/uitkomsten/ronde/{n}",
        "/export/ronde/{n}.xlsx",
        "/agenda/punt/{n}",
    ],
)
def test_a_number_too_long_for_an_id_is_not_found(client, login, path):
    """A mistyped address with a huge number is a 404, not a crash in SQLite's integer binding."""
    login()
    response = client.get(path.format(n=10**30))
    assert response.status_code == 404
    assert "Niet gevonden" in response.get_data(as_text=True)


def test_a_number_too_long_in_the_query_string_is_ignored_or_not_found(client, login):
    login()
    compare = client.get(f"/uitkomsten/vergelijken?a={10**30}&b={10**30}")
    assert compare.status_code == 200  # as if nothing was chosen yet
    assert client.get(f"/export/ronde/1.xlsx?versie={10**30}").status_code == 404


def test_today_is_the_date_in_utrecht_not_on_the_server_s_utc_clock(
    facilitator, make_session, monkeypatch
):
    """At 23:30 UTC on 22 November it is already 23 November in Utrecht."""
    import datetime as dt

    import hhu_ranking.i18n

    class LateEvening(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC).astimezone(tz)

    monkeypatch.setattr(hhu_ranking.i18n, "datetime", LateEvening)
    assert 'value="2026-11-23"' in _text(facilitator.get("/beheer/sessies/nieuw"))
    ids = make_session()
    copy = _text(facilitator.get(f"/beheer/sessies/{ids['session_id']}/kopieren"))
    assert 'value="2026-11-23"' in copy


def test_closing_asks_for_confirmation_without_javascript(facilitator, app, make_session, fetch):
    from factories import join, vote

    ids = make_session()
    rid = ids["round_id"]
    facilitator.post(f"/beheer/rondes/{rid}/openen")
    phone = app.test_client()
    join(phone, app, ids["code"])
    vote(phone, ids["code"], rid, ids["item_ids"])
    page = facilitator.get(f"/beheer/rondes/{rid}/sluiten")
    assert page.status_code == 200
    soup = parse_html(page.get_data(as_text=True))
    question = " ".join(soup.select_one(".confirm-close").get_text().split())
    assert "Ronde ‘Waarden’ nu sluiten?" in question
    assert "1 van de 1 deelnemers hebben gestemd" in question
    form = soup.select_one(".confirm-close form")
    assert form["method"] == "post" and form["action"] == f"/beheer/rondes/{rid}/sluiten"
    assert fetch(lambda: db.session.get(Round, rid).state) is RoundState.OPEN  # a GET only asks
    facilitator.post(f"/beheer/rondes/{rid}/sluiten")
    assert fetch(lambda: db.session.get(Round, rid).state) is RoundState.CLOSED
    # once closed, the confirmation is not offered any more
    assert facilitator.get(f"/beheer/rondes/{rid}/sluiten").status_code == 302


def test_the_console_shows_the_live_result_of_a_hidden_round(facilitator, app, make_session):
    from factories import join, vote

    ids = make_session(results_live=False)
    rid = ids["round_id"]
    a, b, c = ids["item_ids"]
    facilitator.post(f"/beheer/rondes/{rid}/openen")
    for ranking in ([a, b, c], [a, c, b], [b, a, c]):
        phone = app.test_client()
        join(phone, app, ids["code"])
        vote(phone, ids["code"], rid, ranking)
    page = facilitator.get(f"/beheer/sessies/{ids['session_id']}/stand", headers=HTMX)
    soup = parse_html(page.get_data(as_text=True))
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in soup.select("[data-console-row]")
    ]
    # Borda (2, 1, 0): Mensgericht 5, Missiegedreven 3, Regiobreed 1; Kemeny the same order
    assert rows == [
        ["1", "Mensgericht", "1 Mensgericht", "5"],
        ["2", "Missiegedreven", "2 Missiegedreven", "3"],
        ["3", "Regiobreed", "3 Regiobreed", "1"],
    ]
    assert soup.select_one('[data-console="hidden"]') is not None
    # the big screen still shows counts only
    screen = app.test_client().get(f"/scherm/{ids['code']}", headers=HTMX)
    assert 'data-result="kemeny"' not in screen.get_data(as_text=True)
