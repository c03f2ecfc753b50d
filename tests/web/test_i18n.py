"""Dutch UI text with English available: the catalogue, the pages, the service messages.

The catalogue tests are the ones that catch a new Dutch string nobody translated:
they re-extract the source strings exactly as ``scripts/translations.sh update``
does and compare them with ``messages.pot`` and ``en/messages.po``.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from factories import adopt_first_item, catalogue_session, join, open_round, run_round, vote
from flask import url_for
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import (
    AgendaEntry,
    BallotMode,
    Coalition,
    Outcome,
    Pillar,
    RankingSession,
    Role,
    Round,
    User,
)
from hhu_ranking.services import imports as import_service
from hhu_ranking.services import rounds
from hhu_ranking.services.ballots import validate_ranking
from hhu_ranking.services.errors import ServiceError

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "hhu_ranking" / "translations"
POT = TRANSLATIONS / "messages.pot"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
#: the keywords of scripts/translations.sh: babel's defaults plus the lazy ones
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

#: %(name)s-style placeholders (and a literal %%), and the {name} ones JavaScript fills in
PERCENT = re.compile(r"%(?:\((\w+)\))?([#0\- +]*\d*(?:\.\d+)?[sdifr%])")
BRACES = re.compile(r"\{(\w+)\}")

#: Dutch UI words that should not survive on an English page (whole words, case-sensitive)
DUTCH_MARKERS = (  # noqa: SIM905 - a word list reads best as words
    "Meedoen meedoen Verstuur Sessies Sessie sessie Ronde ronde Rondes rondes Uitslag uitslag "
    "Uitslagen uitslagen Stemmen stemmen gestemd stem Kies kies deelnemer deelnemers onderdeel "
    "Onderdelen onderdelen Opslaan Inloggen Uitloggen Welkom Plaats plaats niet Nog nog wordt "
    "hebben jouw Jouw Deze deze Terug Naar Versie versie Bewerken Verwijderen Toevoegen "
    "Downloaden scherm gesloten Gesloten volgorde Volgorde Hoger Lager Vergelijken Verloop "
    "Coalitie coalitie Pijler pijler Organisatie organisatie Naam naam Bestand bestand Jaar "
    "Notitie gespreksleider telefoon je Je een het de De van met voor bij zijn wat Wat geen Geen "
    "er Er op zo"
).split()


def _key(message_id: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return message_id if isinstance(message_id, str) else tuple(message_id)


def _catalog(path: Path, locale: str | None = None) -> Any:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _entries(catalog: Any) -> list[Any]:
    return [m for m in catalog if m.id]


def _source_ids() -> set[str | tuple[str, ...]]:
    """The msgids in the templates and code now, extracted as ``pybabel extract`` does."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {
        _key(message)
        for _name, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS
        )
        if message and (isinstance(message, str) or message[0])
    }


def _placeholders(text: str) -> tuple[list[str], list[str]]:
    percent = sorted(f"{name or ''}{conversion}" for name, conversion in PERCENT.findall(text))
    return percent, sorted(BRACES.findall(text))


# -- the catalogue -------------------------------------------------------------------------


def test_the_catalogue_holds_every_string_of_the_templates_and_code():
    source = _source_ids()
    template = {_key(m.id) for m in _entries(_catalog(POT))}
    english = {_key(m.id) for m in _entries(_catalog(EN_PO, "en"))}
    fix = "run scripts/translations.sh update, then translate the new entries in en/messages.po"
    assert not source - template, f"new strings missing from messages.pot ({fix}): " + repr(
        sorted(map(str, source - template))
    )
    assert not template - source, f"messages.pot has strings no longer used ({fix}): " + repr(
        sorted(map(str, template - source))
    )
    assert english == template, f"en/messages.po differs from messages.pot ({fix})"


def test_every_entry_has_english_and_none_is_fuzzy():
    catalog = _catalog(EN_PO, "en")
    assert not catalog.fuzzy
    entries = _entries(catalog)
    assert len(entries) > 400
    untranslated = [
        m.id
        for m in entries
        if not (all(s.strip() for s in m.string) if m.pluralizable else m.string.strip())
    ]
    assert untranslated == []
    assert [m.id for m in entries if m.fuzzy] == []
    assert [m.id for m in catalog.obsolete.values()] == []


def test_placeholders_are_the_same_in_dutch_and_english():
    mismatched = []
    for m in _entries(_catalog(EN_PO, "en")):
        pairs = list(zip(m.id, m.string, strict=True)) if m.pluralizable else [(m.id, m.string)]
        for dutch, english in pairs:
            if _placeholders(dutch) != _placeholders(english):
                mismatched.append((dutch, english))
    assert mismatched == []


def test_the_placeholder_check_catches_a_broken_translation():
    assert _placeholders("Kies precies %(k)s onderdelen voor je top %(k)s.") != _placeholders(
        "Choose exactly %(n)s items for your top %(k)s."
    )
    assert _placeholders("‘{title}’ staat op plaats {place}") != _placeholders("‘{title}’ moved")
    assert _placeholders("Middelste 50%%") == _placeholders("Middle 50%%")


def test_english_exports_can_be_read_back_in(app):
    """The English CSV headers and pillar name still match what the import accepts."""
    with app.test_request_context("/?lang=en"):
        assert import_service._RANK_HEADER.fullmatch(gettext("Plaats %(n)d", n=3))
        assert gettext("Organisatie").casefold() in import_service._ORGANISATION_HEADERS
        assert gettext("Pijler").casefold() in import_service._PILLAR_HEADERS
        policy = db.session.scalar(select(Pillar).where(Pillar.key == "beleid"))
        # the CSV example on the import page shows this pillar
        assert gettext("Beleid en bestuur") == policy.name_en


# -- languages -----------------------------------------------------------------------------


def test_dutch_is_the_default_and_falls_back_to_the_source_strings(client):
    assert not (TRANSLATIONS / "nl").exists()  # Dutch needs no catalogue of its own
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert ">Meedoen</button>" in page


def test_the_language_choice_persists_until_changed(client):
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert ">Join</button>" in english
    later = client.get("/doe-mee").get_data(as_text=True)
    assert "Join a session" in later
    assert "Meedoen" not in later
    assert "Meedoen met een sessie" in client.get("/doe-mee?lang=nl").get_data(as_text=True)
    assert "Meedoen met een sessie" in client.get("/doe-mee").get_data(as_text=True)
    # an unknown language changes nothing
    assert "Meedoen met een sessie" in client.get("/doe-mee?lang=fr").get_data(as_text=True)


def test_the_language_link_keeps_the_page_and_its_query(client):
    page = client.get("/doe-mee?code=ABC&lang=nl").get_data(as_text=True)
    assert 'href="/doe-mee?code=ABC&amp;lang=en" hreflang="en"' in page


def test_error_pages_speak_the_chosen_language(client):
    dutch = client.get("/bestaat-niet")
    assert dutch.status_code == 404
    assert "Niet gevonden" in dutch.get_data(as_text=True)
    english = client.get("/bestaat-niet?lang=en")
    assert english.status_code == 404
    assert "Not found" in english.get_data(as_text=True)
    # the JSON API keeps its own errors
    assert client.get("/api/v1/bestaat-niet").status_code in (401, 404)


# -- service messages ----------------------------------------------------------------------


def _top_k_round(make_session: Any) -> dict[str, Any]:
    return make_session(
        items=("Mensgericht", "Missiegedreven", "Regiobreed"), mode=BallotMode.TOP_K, top_k=2
    )


def test_a_refused_ballot_is_explained_in_english_on_an_english_phone(app, client, make_session):
    ids = _top_k_round(make_session)
    open_round(app, ids["round_id"])
    client.get("/?lang=en")
    join(client, app, ids["code"])
    response = vote(client, ids["code"], ids["round_id"], ids["item_ids"][:1])
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose exactly 2 items for your top 2." in page
    assert "Kies precies" not in page

    client.get("/?lang=nl")
    dutch = vote(
        client, ids["code"], ids["round_id"], ids["item_ids"][:1], **{"HX-Request": "true"}
    )
    assert "Kies precies 2 onderdelen voor je top 2." in dutch.get_data(as_text=True)


def test_a_flashed_service_error_is_english_in_an_english_request(app, client, login, make_session):
    login()
    ids = make_session()
    open_round(app, ids["round_id"])
    client.get("/?lang=en")
    response = client.post(f"/beheer/rondes/{ids['round_id']}/verwijderen", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "A round that has been open is kept on record." in page


def test_service_errors_are_dutch_outside_a_request(app, make_session):
    ids = _top_k_round(make_session)
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        with pytest.raises(ServiceError) as refused:
            validate_ranking(round_, ids["item_ids"][:1])
    assert refused.value.message == "Kies precies 2 onderdelen voor je top 2."
    assert str(refused.value) == refused.value.message
    assert refused.value.status == 422
    # without any app at all (a script): still the Dutch source text
    lonely = ServiceError(lazy_gettext("Een ronde heeft minstens %(n)s onderdelen nodig.", n=2))
    assert lonely.message == "Een ronde heeft minstens 2 onderdelen nodig."


def test_a_service_error_is_translated_when_read_not_when_raised(app):
    error = ServiceError(lazy_gettext("Deze ronde is al open."), status=409)
    with app.test_request_context("/?lang=en"):
        assert error.message == "This round is already open."
    with app.test_request_context("/?lang=nl"):
        assert error.message == "Deze ronde is al open."


# -- pages in English ----------------------------------------------------------------------


class _VisibleText(HTMLParser):
    """Text nodes plus the attributes people read or hear (and scripts show)."""

    READ_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder"}
    #: data attributes whose text a script shows or announces
    SCRIPT_TEXT = {"data-empty", "data-confirm", "data-moved", "data-removed", "data-unnamed"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        values = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            shown = name in self.READ_ATTRIBUTES or name in self.SCRIPT_TEXT
            if shown or name.startswith("data-msg"):
                self.parts.append(value)
        if tag in ("input", "button") and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _data_strings() -> list[str]:
    """Everything the partners wrote (catalogue titles, names): it stays Dutch on purpose."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((ROOT / "hhu_ranking" / "data" / "catalogue.json").read_text("utf-8")))
    found += ["Netwerkbijeenkomst", "Waarden", "Gemeente Utrecht", "Buurtinitiatief"]
    return sorted({f for f in found if len(f) >= 3}, key=len, reverse=True)


def _dutch_left(html: str, data: list[str]) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for value in data:
        text = text.replace(value, " ")
    return sorted(
        {m for m in DUTCH_MARKERS if re.search(rf"(?<![\w-]){re.escape(m)}(?![\w-])", text)}
    )


@pytest.fixture
def world(app: Any, client: Any, login: Any, make_session: Any) -> dict[str, Any]:
    """A kerngroep member logged in; a closed round with an outcome on the agenda and a draft
    round beside it; an open top-k round the same browser has joined as a phone."""
    login(email="kern@hhu.test", role=Role.ADMIN)
    closed = catalogue_session(app, date(2026, 3, 2))
    run_round(app, closed["round_id"], [[0, 1, 2, 3, 4, 5], [1, 0, 2, 3, 5, 4], [0, 2, 1, 3, 4, 5]])
    live = _top_k_round(make_session)
    open_round(app, live["round_id"])
    join(client, app, live["code"])
    with app.app_context():
        outcome = db.session.scalar(select(Outcome).where(Outcome.round_id == closed["round_id"]))
        user = db.session.scalar(select(User).where(User.email == "kern@hhu.test"))
        coalition = db.session.scalar(select(Coalition).order_by(Coalition.id))
        entry = adopt_first_item(outcome, user, coalition, closed["item_ids"][0])
        draft = rounds.add_round(
            db.session,
            db.session.get(RankingSession, closed["session_id"]),
            title="Waarden",
            items=[rounds.ItemSpec("Mensgericht"), rounds.ItemSpec("Regiobreed")],
        )
        db.session.commit()
        found = {
            "draft_round_id": draft.id,
            "closed": closed,
            "live": live,
            "outcome_id": outcome.id,
            "entry_id": entry.id,
            "coalition_key": coalition.key,
            "catalogue_item_id": closed["catalogue_item_ids"][0],
        }
    return found


PAGES = {
    "home and join box": lambda w: url_for("main.index"),
    "join box page": lambda w: url_for("participate.enter"),
    "ballot page": lambda w: url_for("participate.vote", code=w["live"]["code"]),
    "projector, live round": lambda w: url_for("screen.show", code=w["live"]["code"]),
    "projector, result": lambda w: url_for("screen.show", code=_code(w["closed"])),
    "facilitator dashboard": lambda w: url_for("facilitator.dashboard"),
    "session page": lambda w: url_for(
        "facilitator.show_session", session_id=w["closed"]["session_id"]
    ),
    "new session": lambda w: url_for("facilitator.new_session"),
    "copy session": lambda w: url_for(
        "facilitator.copy_session", session_id=w["closed"]["session_id"]
    ),
    "new round": lambda w: url_for("facilitator.new_round", session_id=w["live"]["session_id"]),
    "edit draft round": lambda w: url_for("facilitator.edit_round", round_id=w["draft_round_id"]),
    "edit open round": lambda w: url_for("facilitator.edit_round", round_id=w["live"]["round_id"]),
    "outcome page": lambda w: url_for("outcomes.show", outcome_id=w["outcome_id"]),
    "outcomes": lambda w: url_for("outcomes.index"),
    "compare": lambda w: url_for("outcomes.compare", a=w["outcome_id"], b=w["outcome_id"]),
    "item history": lambda w: url_for(
        "outcomes.item_history", catalogue_item_id=w["catalogue_item_id"]
    ),
    "agenda": lambda w: url_for("agenda.overview"),
    "coalition agenda": lambda w: url_for("agenda.coalition", key=w["coalition_key"]),
    "agenda entry": lambda w: url_for("agenda.entry", entry_id=w["entry_id"]),
    "adopt": lambda w: url_for(
        "agenda.adopt", outcome_id=w["outcome_id"], round_item_id=w["closed"]["item_ids"][1]
    ),
    "import": lambda w: url_for("imports.upload", round_id=w["live"]["round_id"]),
    "report": lambda w: url_for("exports.round_report", round_id=w["closed"]["round_id"]),
    "error page": lambda w: "/bestaat-niet",
}


def _code(ids: dict[str, Any]) -> str:
    return db.session.get(RankingSession, ids["session_id"]).join_code


def _urls(app: Any, world: dict[str, Any]) -> dict[str, str]:
    with app.test_request_context():
        return {name: page(world) for name, page in PAGES.items()}


def test_key_pages_have_no_dutch_left_in_english(app, client, world):
    data = _data_strings()
    urls = _urls(app, world)
    client.get("/?lang=en")
    leftovers = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == (404 if name == "error page" else 200), (name, url)
        html = response.get_data(as_text=True)
        assert '<html lang="en">' in html, name
        if found := _dutch_left(html, data):
            leftovers[name] = found
    assert leftovers == {}


def test_the_same_pages_in_dutch_trip_the_markers(app, client, world):
    """The marker check has teeth: in Dutch every page shows some of the marker words."""
    data = _data_strings()
    urls = _urls(app, world)
    client.get("/?lang=nl")
    silent = [
        name
        for name, url in urls.items()
        if not _dutch_left(client.get(url).get_data(as_text=True), data)
    ]
    assert silent == []


def test_english_pages_say_the_things_a_visitor_looks_for(app, client, world):
    urls = _urls(app, world)
    client.get("/?lang=en")
    ballot = client.get(urls["ballot page"]).get_data(as_text=True)
    assert "Send my vote" in ballot
    assert "My top 2" in ballot
    assert 'data-msg-count="{n} of {k} chosen"' in ballot
    editor = client.get(urls["edit draft round"]).get_data(as_text=True)
    assert 'data-moved="{title} is now in place {place}."' in editor
    session_page = client.get(urls["session page"]).get_data(as_text=True)
    assert 'data-confirm="Delete round ‘Waarden’?"' in session_page
    screen = client.get(urls["projector, result"]).get_data(as_text=True)
    assert "Shared order" in screen
    assert "Points (Borda)" in screen
    dashboard = client.get(urls["facilitator dashboard"]).get_data(as_text=True)
    assert "New session" in dashboard
    assert "Network meeting" in dashboard  # the kind of meeting, a translated choice label
    outcome = client.get(urls["outcome page"]).get_data(as_text=True)
    assert "Result: Waarden" in outcome
    entry = client.get(urls["agenda entry"]).get_data(as_text=True)
    assert "Proposed" in entry  # the agenda status label
    with app.app_context():
        assert db.session.scalar(select(AgendaEntry.id)) == world["entry_id"]


def test_what_participants_read_is_in_one_current_catalogue_for_review():
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    check = subprocess.run(
        [sys.executable, "scripts/participant_strings.py", "--check"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout
    with (root / "docs/participant-strings.po").open("rb") as handle:
        review = {m.id: m.string for m in read_po(handle) if m.id}
    # the phone's words are in it with their English; the facilitator's are not
    assert review["Verstuur mijn stem"] and review["Je stem is ontvangen"]
    assert "Waar kom je vandaan?" in review
    assert "Ronde openen" not in review and "Sessies" not in review
