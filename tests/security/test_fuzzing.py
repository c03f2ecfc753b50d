"""Class 18 of issue 9: random requests to every route never give a 500 and never change a
ballot.

The routes come from ``app.url_map`` and the field names from the forms and the views' own
``request.form``/``request.args`` reads, so a new route or field is fuzzed without editing
this file. Each test builds one world (an open round with ballots, a closed round with an
outcome, a draft round, an agenda entry; a facilitator, a second facilitator, an admin, a
kerngroep member with an API token, phones) and sends many random requests into it: real
and random ids and join codes in the URL (ids at the databases' integer limits too), random
query strings and headers, form fields (unicode, control characters, huge numbers, ``²``,
lists, missing fields), JSON and raw bodies with random content types. Most form bodies
start from a form a page really offers (harvested from the pages, with its values), with
fields changed, shuffled, dropped or added, so they get past the first missing field to the
validators and services. The test config turns CSRF off, which is what a right token gives;
a second test turns it on and sends right, wrong and missing tokens.

After every request: the answer is below 500 (a 503 would be a masked error too: nothing
else uses the database here), and the guarded ballots (the first phone's ballot in the open
round and every ballot of the closed round) keep their ranking, seq and revision, and an
answer of 400 or more committed no write (a failed login's count aside). The
second phone does post ballots, so random payloads that happen to be valid change only its
own ballot; deleting a guarded round or participant is a facilitator's right, so those ids
are never substituted into the two delete routes.

``HHU_FUZZ_EXAMPLES`` scales the number of examples (default: modest, smaller on
PostgreSQL, whose requests cost more); ``HHU_FUZZ_ONLY=imports.`` fuzzes only the endpoints
with that prefix; ``HHU_FUZZ_REPORT=1`` (with ``-s``) prints how often each route answered
what; ``HHU_FUZZ_DEBUG=participate.ballot`` prints every request to that endpoint and its answer.
"""

from __future__ import annotations

import inspect
import io
import itertools
import json
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from clock import SESSION_DAY
from factories import KERNGROEP, adopt_first_item, parse_html, voted_session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update
from wtforms import FieldList, FormField
from wtforms import Form as WtForm
from wtforms.fields.core import UnboundField

from hhu_ranking import forms
from hhu_ranking.extensions import db
from hhu_ranking.models import (
    Ballot,
    Coalition,
    MeetingKind,
    Outcome,
    Participant,
    RankingSession,
    Role,
    Round,
    RoundItem,
    RoundState,
    User,
)
from hhu_ranking.services import rounds
from hhu_ranking.services.sessions import create_session

POSTGRES = os.environ.get("TEST_DATABASE", "sqlite") == "postgresql"
SCALE = float(os.environ.get("HHU_FUZZ_EXAMPLES", "1") or 1)


def _examples(sqlite: int, postgres: int) -> int:
    return max(1, int((postgres if POSTGRES else sqlite) * SCALE))


FUZZ = settings(
    deadline=None,
    derandomize=False,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

#: examples per route in the main test (scaled by HHU_FUZZ_EXAMPLES)
PER_POST_ROUTE = _examples(12, 4)
PER_GET_ROUTE = _examples(4, 2)
#: what the phones post, and the import's files: the most exposed, fuzzed three times as much
PHONE_POSTS = frozenset({"participate.ballot", "participate.join", "imports.upload"})
#: served files: nothing in them reads input
SKIPPED_ENDPOINTS = frozenset({"static"})
#: a logged-in caller sent here would end its login (or start another) for every later example
SESSION_ENDPOINTS = frozenset({"auth.login", "auth.logout"})
#: who usually calls a route (by endpoint prefix); anyone else is tried as often
NATURAL_CALLERS = (
    ("participate.", ["second phone", "guarded phone", "closed phone", "anonymous"]),
    ("screen.", ["facilitator", "anonymous"]),
    ("api.", ["api"]),
    ("agenda.", ["kerngroep", "admin"]),
    ("", ["facilitator", "admin", "other facilitator"]),
)
#: routes that take a file
FILE_ENDPOINTS = frozenset({"imports.upload"})
#: ``(endpoint, URL variable)`` whose real guarded ids are a legitimate way to remove a ballot
DESTRUCTIVE = {
    ("facilitator.delete_round", "round_id"): "rounds",
    ("privacy.delete_participant", "participant_id"): "participants",
}

PACKAGE = Path(forms.__file__).resolve().parent
PARAMETER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
#: the names a view reads itself: request.form.get("x"), request.args.get("x"), id_arg("x")
READS = re.compile(r"""(?:request\.(?:form|args|values)\.get|id_arg)\(\s*f?["']([^"'{]+)""")


# -- what the app offers, discovered --------------------------------------------------------


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    methods: tuple[str, ...]
    #: (name, converter, converter arguments) per URL variable
    variables: tuple[tuple[str, str, str], ...]


def discover_routes(app: Any) -> list[Route]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        variables = tuple(
            (m["name"], m["converter"] or "default", m["args"] or "")
            for m in PARAMETER.finditer(rule.rule)
        )
        methods = tuple(sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
        found.append(Route(rule.endpoint, rule.rule, methods, variables))
    return sorted(found, key=lambda r: (r.rule, r.methods))


def _unbound_names(name: str, unbound: UnboundField) -> set[str]:
    if unbound.field_class is FieldList:
        inner = unbound.args[0]
        rows = (0, 1, 2, 59, 60)
        if inner.field_class is FormField:
            subform = inner.args[0]
            return {f"{name}-{row}-{sub}" for row in rows for sub in _form_names(subform)}
        return {f"{name}-{row}" for row in rows}
    if unbound.field_class is FormField:
        return {f"{name}-{sub}" for sub in _form_names(unbound.args[0])}
    return {name}


def _form_names(form_class: type) -> set[str]:
    names: set[str] = set()
    for klass in form_class.__mro__:
        for attr, value in vars(klass).items():
            if isinstance(value, UnboundField):
                names |= _unbound_names(attr, value)
    return names


def discover_field_names() -> list[str]:
    """Every field of every form, and every name a view or the i18n layer reads itself."""
    names: set[str] = {"csrf_token"}
    for _name, value in inspect.getmembers(forms, inspect.isclass):
        if issubclass(value, WtForm) and value.__module__ == forms.__name__:
            names |= _form_names(value)
    for source in [*sorted((PACKAGE / "views").glob("*.py")), PACKAGE / "i18n.py"]:
        names |= set(READS.findall(source.read_text(encoding="utf-8")))
    return sorted(names)


# -- the world --------------------------------------------------------------------------------


@dataclass
class World:
    clients: dict[str, Any]
    headers: dict[str, dict[str, str]]
    ids: dict[str, list[int]]
    codes: list[str]
    keys: list[str]
    #: ids that are never put into the DESTRUCTIVE routes
    protected: dict[str, set[int]]
    guarded_ballot_ids: list[int]
    open_round_id: int
    closed_round_id: int
    #: each phone's own session's join code
    phone_codes: dict[str, str] = field(default_factory=dict)
    #: the items' titles, for import files that name them
    item_titles: list[str] = field(default_factory=list)
    field_names: list[str] = field(default_factory=list)
    #: which tables committed writes touched (every refusal must leave them alone)
    writes: CommittedWrites = field(default_factory=lambda: CommittedWrites())
    #: the forms the pages offer, by the path they post to: field name -> values seen
    forms: dict[str, list[dict[str, list[str]]]] = field(default_factory=dict)


def _owned(session_id: int, user_id: int) -> None:
    db.session.execute(
        update(RankingSession).where(RankingSession.id == session_id).values(created_by_id=user_id)
    )


def _logged_in(app: Any, email: str, password: str = "geheim-wachtwoord") -> Any:
    browser = app.test_client()
    answer = browser.post("/auth/login", data={"email": email, "password": password})
    assert answer.status_code == 302, answer.data
    return browser


def _phone(app: Any, session_id: int, token: str) -> Any:
    phone = app.test_client()
    with phone.session_transaction() as cookie:
        cookie["participants"] = {str(session_id): token}
    return phone


def build_world(app: Any, make_user: Callable[..., Any], runner: Any) -> World:
    owner = make_user()
    make_user(email="ander@hhu.test", name="Andere leider")
    make_user(email="beheer@hhu.test", role=Role.ADMIN, name="Beheerder")
    kern = make_user(**KERNGROEP)
    live = voted_session(app, close=False, orders=([0, 1, 2, 3], [3, 2, 1, 0], [1, 0, 2, 3]))
    closed = voted_session(app, title="Kennisfestival")
    with app.app_context():
        draft_session = create_session(
            db.session, title="Trekkersoverleg", held_on=SESSION_DAY, kind=MeetingKind.NETWORK
        )
        rounds.add_round(
            db.session,
            draft_session,
            title="Spelregels",
            items=[rounds.ItemSpec(t) for t in ("Lachen mag", "Samen uit, samen thuis")],
        )
        db.session.flush()
        for session_id in (live["session_id"], closed["session_id"], draft_session.id):
            _owned(session_id, owner)
        outcome = db.session.get(Outcome, closed["outcome_id"])
        coalition = db.session.scalar(select(Coalition).order_by(Coalition.id))
        entry = adopt_first_item(
            outcome, db.session.get(User, kern), coalition, closed["item_ids"][0]
        )
        db.session.commit()
        live_session = db.session.get(RankingSession, live["session_id"])
        guarded_ballot_ids = list(
            db.session.scalars(
                select(Ballot.id).where(
                    (Ballot.round_id == closed["round_id"])
                    | (
                        (Ballot.round_id == live["round_id"])
                        & (Ballot.participant_id == _participant_of(live["token_hashes"][0]))
                    )
                )
            )
        )
        ids = {
            "session_id": list(db.session.scalars(select(RankingSession.id))),
            "round_id": list(db.session.scalars(select(Round.id))),
            "round_item_id": list(db.session.scalars(select(RoundItem.id))),
            "participant_id": _all_participant_ids(),
            "outcome_id": list(db.session.scalars(select(Outcome.id))),
            "entry_id": [entry.id],
            "catalogue_item_id": [
                i for i in db.session.scalars(select(RoundItem.catalogue_item_id)) if i
            ]
            or [1],
        }
        codes = list(db.session.scalars(select(RankingSession.join_code)))
        keys = list(db.session.scalars(select(Coalition.key)))
        # the second phone is kept too: it is the hand that posts the ballots
        kept_participants = {
            _participant_of(live["token_hashes"][0]),
            _participant_of(live["token_hashes"][1]),
            *(_participant_of(h) for h in closed["token_hashes"]),
        }
        assert live_session.join_code in codes
    result = runner.invoke(args=["create-api-token", "--user", KERNGROEP["email"]])
    assert result.exit_code == 0, result.output
    bearer = {"Authorization": "Bearer " + result.stdout.strip().splitlines()[-1]}
    assert len(guarded_ballot_ids) == 1 + len(closed["tokens"])
    clients = {
        "anonymous": app.test_client(),
        "guarded phone": _phone(app, live["session_id"], live["tokens"][0]),
        "second phone": _phone(app, live["session_id"], live["tokens"][1]),
        # voted in the closed round: its ballots there must meet a 409
        "closed phone": _phone(app, closed["session_id"], closed["tokens"][0]),
        "facilitator": _logged_in(app, "leider@hhu.test"),
        "other facilitator": _logged_in(app, "ander@hhu.test"),
        "admin": _logged_in(app, "beheer@hhu.test"),
        "kerngroep": _logged_in(app, KERNGROEP["email"]),
        "api": app.test_client(),
    }
    world = World(
        clients=clients,
        headers={"api": bearer},
        ids=ids,
        codes=codes,
        keys=keys,
        protected={
            "rounds": {live["round_id"], closed["round_id"]},
            "participants": kept_participants,
        },
        guarded_ballot_ids=guarded_ballot_ids,
        open_round_id=live["round_id"],
        closed_round_id=closed["round_id"],
        item_titles=[*live["items"], "Lachen mag"],
        field_names=discover_field_names(),
    )
    world.forms = harvest_forms(app, world)
    # the closed round's page offers no ballot form: the one its phones sent while it was open
    with app.app_context():
        closed_code = db.session.get(RankingSession, closed["session_id"]).join_code
        live_code = db.session.get(RankingSession, live["session_id"]).join_code
    world.phone_codes = {
        "guarded phone": live_code,
        "second phone": live_code,
        "closed phone": closed_code,
    }
    world.forms[f"/j/{closed_code}/stem"] = [
        {"round_id": [str(closed["round_id"])], "ranking": [str(i) for i in closed["item_ids"]]}
    ]
    with app.app_context():
        world.writes.listen(db.engine)
    return world


def _real_paths(world: World, route: Route, limit: int = 6) -> list[str]:
    """The route's URL with real values in its variables (a few combinations)."""
    choices: list[list[str]] = []
    for name, converter, args in route.variables:
        if converter == "int":
            choices.append([str(i) for i in world.ids.get(name, [])])
        elif converter == "any":
            choices.append([a.strip().strip("'\"") for a in args.split(",")])
        elif name == "code":
            choices.append(world.codes)
        elif name == "key":
            choices.append(world.keys)
        else:
            return []
    paths = []
    for combination in itertools.islice(itertools.product(*choices), limit):
        values = dict(zip((v[0] for v in route.variables), combination, strict=True))
        paths.append(PARAMETER.sub(lambda m: quote(values[m["name"]], safe=""), route.rule))
    return paths


def harvest_forms(app: Any, world: World) -> dict[str, list[dict[str, list[str]]]]:
    """Every POST form on the pages the facilitator and the phones see, by its action.

    Fuzzing from these (a field changed, dropped or added) reaches the validators and the
    services, where a request made of random names stops at the first missing field.
    """
    found: dict[str, list[dict[str, list[str]]]] = {}
    for route in discover_routes(app):
        if "GET" not in route.methods or route.endpoint.startswith(("api.", "export")):
            continue
        for path in _real_paths(world, route):
            for caller in ("facilitator", "kerngroep", "second phone"):
                page = world.clients[caller].get(path)
                if page.status_code != 200 or page.mimetype != "text/html":
                    continue
                for form in parse_html(page).select("form"):
                    if (form.get("method") or "get").lower() != "post":
                        continue
                    action = str(form.get("action") or path).split("?", 1)[0].split("#", 1)[0]
                    fields: dict[str, list[str]] = {}
                    for tag in form.select("input[name], select[name], textarea[name]"):
                        values = fields.setdefault(str(tag["name"]), [])
                        if tag.name == "select":
                            values += [
                                str(o.get("value", o.get_text())) for o in tag.select("option")
                            ]
                        elif tag.name == "textarea":
                            values.append(tag.get_text())
                        else:
                            values.append(str(tag.get("value", "")))
                    offered = found.setdefault(action, [])
                    if fields not in offered:
                        offered.append(fields)
    return found


def _participant_of(token_hash: str) -> int:
    found = db.session.scalar(select(Participant.id).where(Participant.token_hash == token_hash))
    assert found is not None
    return found


def _all_participant_ids() -> list[int]:
    return list(db.session.scalars(select(Participant.id)))


def guarded_ballots(app: Any, world: World) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = db.session.execute(
            select(Ballot.id, Ballot.ranking, Ballot.seq, Ballot.revision)
            .where(Ballot.id.in_(world.guarded_ballot_ids))
            .order_by(Ballot.id)
        ).all()
        return [tuple(row) for row in rows]


def keep_round_open(app: Any, world: World) -> None:
    """An earlier example may have closed the open round or re-opened the closed one (both a
    facilitator's right): put them back, so ballots still land in the one and the closed
    phone's ballots meet a closed round."""
    with app.app_context():
        live = db.session.get(Round, world.open_round_id)
        if live.state is not RoundState.OPEN:
            rounds.open_round(db.session, live)
            db.session.commit()
        closed = db.session.get(Round, world.closed_round_id)
        if closed.state is RoundState.OPEN:
            rounds.close_round(db.session, closed)
            db.session.commit()


# -- random requests --------------------------------------------------------------------------

NASTY = (
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "²",
    "٣",
    "１２",
    "1e400",
    "NaN",
    "inf",
    "9" * 4301,
    "10" + "0" * 400,
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "3.5",
    "0x10",
    "\x00",
    "\r\n",
    "\u202ePartner",
    "Al\u200bpha",
    "Mensgericht",
    "Gemeente Utrecht",
    "inwoner",
    "bezoeker",
    "on",
    "true",
    "up",
    "down",
    "save",
    "console",
    "partners",
    "2026-02-30",
    "9999-12-31",
    "/%0A/x",
    "/\t/evil.example/",
    "//evil.example",
    "'; DROP TABLE ballot; --",
    "<script>alert(1)</script>",
    "%s%(x)s{0}",
    "../../etc/passwd",
    "ë" * 300,
    # one past the columns' lengths (SQLite ignores them, PostgreSQL refuses)
    *("Ë" * n for n in (7, 21, 25, 41, 61, 65, 81, 121, 201, 255, 256, 301, 2001, 4001)),
    '=HYPERLINK("x")',
)
PREFLIB = (
    b"# FILE NAME: x.soc\n# NUMBER ALTERNATIVES: 2\n"
    b"# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n"
)
FILES = (
    b"",
    b"\xff\xfe\x00bad",
    b"organisatie,1,2\nGemeente Utrecht,Mensgericht,Regiobreed\n",
    PREFLIB + b"1" + b"0" * 400 + b": 1,2\n",
    PREFLIB + b"3: 1,2\n2: 2,1\n",
    PREFLIB + b"\xc3\x28: 1,2\n",
)


@st.composite
def import_files(draw: st.DrawFn, world: World) -> tuple[bytes, str]:
    """A ballot file near what the import reads: CSV or PrefLib naming the round's items,
    with random cells, counts, headers and encodings."""
    titles = st.sampled_from(world.item_titles) | text_values(world)
    if draw(st.booleans()):
        delimiter = draw(st.sampled_from((",", ";", "\t", "|")))
        headers = draw(
            st.lists(
                st.sampled_from(
                    (
                        "Plaats 1",
                        "Plaats 2",
                        "Plaats 3",
                        "Plaats 4",
                        "Plaats 9999",
                        "rank1",
                        "Organisatie",
                        "Pijler",
                        "Ronde",
                        '"Plaats 1',
                    )
                )
                | text_values(world),
                min_size=1,
                max_size=6,
            )
        )
        rows = draw(st.lists(st.lists(titles, max_size=len(headers) + 1), max_size=6))
        text = "\n".join(delimiter.join(row) for row in [headers, *rows])
        name = "stemmen.csv"
    else:
        data_type = draw(st.sampled_from(("soc", "soi", "toc", "toi")))
        names = draw(st.lists(titles, min_size=1, max_size=5))
        lines = [
            f"# FILE NAME: x.{data_type}",
            f"# DATA TYPE: {data_type}",
            f"# NUMBER ALTERNATIVES: {draw(st.sampled_from((len(names), 0, 99)))}",
        ]
        lines += [f"# ALTERNATIVE NAME {n}: {t}" for n, t in enumerate(names, 1)]
        for _ in range(draw(st.integers(0, 4))):
            count = draw(
                st.sampled_from(("1", "3", "0", "-1", "²", "1" + "0" * 30)) | text_values(world)
            )
            order = draw(
                st.lists(
                    st.integers(-1, len(names) + 1).map(str) | st.just("{1,2}"),
                    max_size=len(names) + 1,
                )
            )
            lines.append(f"{count}: {','.join(order)}")
        text = "\n".join(lines)
        name = f"x.{data_type}"
    encoding = draw(st.sampled_from(("utf-8", "utf-8-sig", "cp1252", "utf-16")))
    return text.encode(encoding, errors="replace"), name


#: multipart bodies a browser never sends (boundary ``x``): parts without a name, a file
#: without a name, a part with no headers, an unterminated body
MULTIPART = (
    b"--x\r\nContent-Disposition: form-data\r\n\r\nMensgericht\r\n--x--\r\n",
    b'--x\r\nContent-Disposition: form-data; filename="a.csv"\r\n\r\n1,2\r\n--x--\r\n',
    b"--x\r\n\r\nMensgericht\r\n--x--\r\n",
    b'--x\r\nContent-Disposition: form-data; name="ranking"\r\n\r\n1',
    b'--x\r\nContent-Disposition: form-data; name=""\r\n\r\n1\r\n--x--\r\n',
)
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=latin-1",
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/octet-stream",
    "",
)


#: request headers the app or its middleware read (caching, htmx, proxies, origins)
HEADERS = (
    "If-None-Match",
    "If-Modified-Since",
    "Origin",
    "Referer",
    "X-Forwarded-For",
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    "HX-Current-URL",
    "HX-Target",
    "Accept",
    "Accept-Encoding",
    "Range",
    "Cookie",
)
header_values = st.one_of(
    st.sampled_from(
        (
            '"x"',
            "*",
            'W/"1"',
            "null",
            "http://evil.example",
            "gzip, br",
            "bytes=5-1",
            "1.2.3.4, 5.6.7.8",
            "session=garbage; remember_token=1|x",
            "Fri, 99 Foo",
        )
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)


def text_values(world: World) -> st.SearchStrategy[str]:
    real = [str(i) for ids in world.ids.values() for i in ids] + world.codes + world.keys
    return st.one_of(
        st.sampled_from(NASTY),
        st.sampled_from(real),
        st.text(max_size=30),
        st.integers(-(10**30), 10**30).map(str),
    )


def json_values(world: World) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        text_values(world),
    )
    names = st.sampled_from(world.field_names) | st.text(max_size=8)
    # empty lists and objects come from the leaves' siblings: an extend that may draw
    # nothing from ``inner`` makes Hypothesis warn that it cannot recurse
    return st.recursive(
        leaves | st.just([]) | st.just({}),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=4),
            st.dictionaries(names, inner, min_size=1, max_size=5),
        ),
        max_leaves=12,
    )


def form_fields(world: World) -> st.SearchStrategy[dict[str, Any]]:
    """Form fields by name: some the app reads, some not; single values or several."""
    item_places = [f"pos-{i}" for i in world.ids["round_item_id"]]
    names = st.one_of(
        st.sampled_from(world.field_names),
        st.sampled_from(item_places),
        st.text(min_size=1, max_size=10),
    )
    values = text_values(world)
    return st.dictionaries(names, st.one_of(values, st.lists(values, max_size=5)), max_size=10)


@dataclass
class Case:
    caller: str
    method: str
    path: str
    endpoint: str
    query: dict[str, Any]
    body: dict[str, Any]
    headers: dict[str, str]

    def __repr__(self) -> str:
        body = {
            k: (v if not isinstance(v, bytes | str) or len(v) < 200 else f"{v[:200]!r}…")
            for k, v in self.body.items()
        }
        return (
            f"Case({self.caller}: {self.method} {self.path[:300]} query={self.query!r} "
            f"body={body!r} headers={self.headers!r})"
        )


def _variable(world: World, route: Route, name: str, converter: str, args: str) -> Any:
    if converter == "int":
        real = world.ids.get(name) or [i for ids in world.ids.values() for i in ids]
        numbers = st.one_of(st.sampled_from(real), st.sampled_from(real), st.integers(0, 10**25))
        kind = DESTRUCTIVE.get((route.endpoint, name))
        if kind is not None:
            protected = world.protected[kind]
            numbers = numbers.filter(lambda n: n not in protected)
        return numbers.map(str)
    if converter == "any":
        choices = [a.strip().strip("'\"") for a in args.split(",") if a.strip()]
        return st.one_of(st.sampled_from(choices), st.text(max_size=10))
    if name == "code":
        codes = world.codes + [c.lower() for c in world.codes]
        return st.one_of(st.sampled_from(world.codes), st.sampled_from(codes), text_values(world))
    return st.one_of(st.sampled_from(world.keys), text_values(world))


@st.composite
def near_valid_form(draw: st.DrawFn, world: World, offered: list[dict[str, list[str]]]) -> Any:
    """A form the page offers, filled from the values it shows, with some fields changed,
    reordered, dropped or added."""
    template = draw(st.sampled_from(offered))
    values = text_values(world)
    fields: dict[str, Any] = {}
    for name, seen in template.items():
        how = draw(st.sampled_from(("as shown", "as shown", "one", "shuffled", "random", "drop")))
        if how == "as shown":
            fields[name] = seen if len(seen) > 1 else seen[0]
        elif how == "one":
            fields[name] = draw(st.sampled_from(seen))
        elif how == "shuffled":
            fields[name] = draw(st.permutations(seen)) + draw(
                st.lists(st.sampled_from(seen), max_size=2)
            )
        elif how == "random":
            fields[name] = draw(values | st.lists(values, max_size=4))
    fields.update(draw(form_fields(world).map(lambda f: dict(list(f.items())[:2]))))
    return fields


@st.composite
def bodies(draw: st.DrawFn, world: World, route: Route, path: str) -> dict[str, Any]:
    """Keyword arguments for the test client's ``open``: a form, a file, JSON, raw bytes."""
    offered = world.forms.get(path)
    if offered and draw(st.integers(0, 3)) > 0:
        fields = draw(near_valid_form(world, offered))
        if route.endpoint in FILE_ENDPOINTS:
            data, name = draw(
                import_files(world)
                | st.tuples(
                    st.sampled_from(FILES) | st.binary(max_size=200),
                    st.sampled_from(("stemmen.csv", "x.soc", "x.xlsx", "")),
                )
            )
            fields["file"] = (io.BytesIO(data), name)
            return {"data": fields, "content_type": "multipart/form-data"}
        return {"data": fields}
    kinds = ("form", "form", "form", "file", "json", "raw", "multipart", "none")
    kind = draw(st.sampled_from(kinds))
    if kind == "multipart":
        return {
            "data": draw(st.sampled_from(MULTIPART)),
            "content_type": "multipart/form-data; boundary=x",
        }
    if kind == "form":
        return {"data": draw(form_fields(world))}
    if kind == "file":
        fields = draw(form_fields(world))
        fields[draw(st.sampled_from(("file", "upload", "ranking")))] = (
            io.BytesIO(draw(st.sampled_from(FILES) | st.binary(max_size=200))),
            draw(st.sampled_from(("stemmen.csv", "x.soc", "x.xlsx", "", "../x\x00.csv"))),
        )
        return {"data": fields, "content_type": "multipart/form-data"}
    if kind == "json":
        return {"data": json.dumps(draw(json_values(world))), "content_type": "application/json"}
    if kind == "raw":
        raw = draw(
            st.one_of(
                st.binary(max_size=300),
                st.sampled_from(FILES),
                form_fields(world).map(lambda f: "&".join(f"{k}={v}" for k, v in f.items())),
            )
        )
        return {"data": raw, "content_type": draw(st.sampled_from(CONTENT_TYPES))}
    return {}


@st.composite
def cases(draw: st.DrawFn, world: World, routes: list[Route]) -> Case:
    route = draw(st.sampled_from(routes))
    callers = sorted(world.clients)
    natural = next(v for k, v in NATURAL_CALLERS if route.endpoint.startswith(k))
    if route.endpoint in SESSION_ENDPOINTS:
        callers = natural = ["anonymous"]
    caller = draw(st.sampled_from(natural) | st.sampled_from(callers))
    methods = list(route.methods)
    if caller == "guarded phone" and route.endpoint == "participate.ballot":
        # the only request allowed to change the guarded ballot: its own valid submission
        caller = "second phone"
    method = draw(st.sampled_from(methods))
    if draw(st.integers(0, 19)) == 0:  # now and then a method the route does not take
        method = draw(st.sampled_from(("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "GET")))
    values = {
        name: draw(_variable(world, route, name, converter, args))
        for name, converter, args in route.variables
    }
    if "code" in values and caller in world.phone_codes and draw(st.integers(0, 2)):
        values["code"] = world.phone_codes[caller]  # a phone mostly calls its own session
    path = PARAMETER.sub(lambda m: quote(values[m["name"]], safe=""), route.rule)
    query = draw(
        st.dictionaries(
            st.sampled_from(world.field_names) | st.text(min_size=1, max_size=8),
            text_values(world) | st.lists(text_values(world), max_size=3),
            max_size=4,
        )
    )
    headers = dict(world.headers.get(caller, {}))
    if draw(st.booleans()):
        headers["HX-Request"] = "true"
    if draw(st.booleans()):
        headers["Accept-Language"] = draw(st.sampled_from(("en", "nl", "xx", "*", "en;q=x")))
    if draw(st.integers(0, 9)) == 0:
        headers["Authorization"] = draw(
            st.sampled_from(("Bearer ", "Bearer hhu_" + "A" * 43, "Basic x", "Bearer \u00e9"))
        )
    headers.update(draw(st.dictionaries(st.sampled_from(HEADERS), header_values, max_size=2)))
    body = draw(bodies(world, route, path)) if method in {"POST", "PUT", "PATCH", "DELETE"} else {}
    return Case(caller, method, path, route.endpoint, query, body, headers)


class _Errors(logging.Handler):
    """Keeps the tracebacks the app logs, to show with a 500."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(self.format(record))


@pytest.fixture
def app_errors() -> Iterator[_Errors]:
    handler = _Errors()
    logger = logging.getLogger("hhu_ranking")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


WRITE = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", re.IGNORECASE)
#: tables a refused request may still write, by design: a failed login is counted, a
#: refusal (a 403 on another's session, a failed or blocked login) is logged (classes 13,
#: 16), and an API token notes the day it was first used, whatever that request's answer
REFUSAL_WRITES = frozenset({"login_failure", "audit_event", "api_token"})
#: the stored live result is a cache of what the ballots give (services/results.py): any page
#: that shows a result fills it when the ballots moved on, whatever that request's answer
#: (a refused ballot shows the phone's closed round with its reveal, as a reload would)
CACHE_WRITES = frozenset({"round_result"})


class CommittedWrites:
    """The tables that committed transactions wrote to: statements rolled back (a refused
    unit of work, a savepoint given up) do not count."""

    def __init__(self) -> None:
        self.pending: list[str] = []
        self.marks: list[int] = []
        self.committed: set[str] = set()

    def listen(self, engine: Any) -> None:
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._execute)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        event.listen(engine, "savepoint", lambda conn, name: self.marks.append(len(self.pending)))
        event.listen(engine, "rollback_savepoint", self._rollback_savepoint)
        event.listen(engine, "release_savepoint", lambda conn, name, ctx: self._release())

    def _execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        match = WRITE.match(statement)
        if match:
            self.pending.append(match[1].lower())

    def _commit(self, conn: Any) -> None:
        self.committed.update(self.pending)
        self.pending.clear()
        self.marks.clear()

    def _rollback(self, conn: Any) -> None:
        self.pending.clear()
        self.marks.clear()

    def _rollback_savepoint(self, conn: Any, name: str, context: Any) -> None:
        if self.marks:
            del self.pending[self.marks.pop() :]

    def _release(self) -> None:
        if self.marks:
            self.marks.pop()

    def take(self) -> set[str]:
        taken, self.committed = self.committed, set()
        return taken


def send(app: Any, world: World, case: Case, errors: _Errors) -> Any:
    errors.seen.clear()
    before = guarded_ballots(app, world)
    world.writes.take()
    response = world.clients[case.caller].open(
        case.path,
        method=case.method,
        query_string=case.query,
        headers=case.headers,
        **case.body,
    )
    assert response.status_code < 500, f"{response.status_code} for {case!r}\n" + "\n".join(
        errors.seen
    )
    assert guarded_ballots(app, world) == before, f"a guarded ballot changed by {case!r}"
    written = world.writes.take() - REFUSAL_WRITES - CACHE_WRITES
    assert response.status_code < 400 or not written, (
        f"{response.status_code} for {case!r}, yet it wrote to {sorted(written)}"
    )
    ANSWERS[(case.endpoint, case.method, response.status_code)] += 1
    if os.environ.get("HHU_FUZZ_DEBUG") and case.endpoint == os.environ["HHU_FUZZ_DEBUG"]:
        print(response.status_code, repr(case)[:400])
    return response


#: how often each route answered what, printed under ``-s`` with HHU_FUZZ_REPORT=1
ANSWERS: Counter[tuple[str, str, int]] = Counter()


def _report() -> None:
    if os.environ.get("HHU_FUZZ_REPORT"):
        for (endpoint, method, status), count in sorted(ANSWERS.items()):
            print(f"{count:5d} {status} {method:4} {endpoint}")
    ANSWERS.clear()


# -- the tests ---------------------------------------------------------------------------------


@pytest.fixture
def world(app: Any, make_user: Callable[..., Any], runner: Any) -> World:
    return build_world(app, make_user, runner)


def test_the_discovery_finds_every_kind_of_route_and_the_ballot_fields(app: Any) -> None:
    routes = {r.endpoint: r for r in discover_routes(app)}
    assert "POST" in routes["participate.ballot"].methods
    assert {"api.outcome", "imports.upload", "facilitator.edit_round"} <= set(routes)
    names = discover_field_names()
    assert {"ranking", "round_id", "pillar", "items-0-title", "pos-", "next", "lang"} <= set(names)


def test_a_harvested_form_as_the_page_shows_it_is_accepted(app: Any, world: World) -> None:
    """The near-valid bodies start from valid ones: the phone's ballot form, posted with the
    values its page shows, is a counted ballot (and leaves the guarded ones alone)."""
    before = guarded_ballots(app, world)
    action = f"/j/{world.phone_codes['second phone']}/stem"
    offered = world.forms[action]
    world.writes.take()
    answer = world.clients["second phone"].post(action, data=offered[0])
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("#bevestiging")
    assert guarded_ballots(app, world) == before
    # and the write tracker, which every refusal is checked with, sees the ballot stored
    assert "ballot" in world.writes.take()
    refused = world.clients["second phone"].post(action, data={**offered[0], "round_id": "x"})
    assert refused.status_code == 422
    assert not world.writes.take()


def test_random_requests_to_every_route_never_fail_and_never_change_a_ballot(
    app: Any, world: World, app_errors: _Errors
) -> None:
    """Each route gets its own examples, so that none is left to chance; routes taking a
    POST get more."""
    only = os.environ.get("HHU_FUZZ_ONLY", "")  # an endpoint prefix, to look at one route
    for route in discover_routes(app):
        if not route.endpoint.startswith(only):
            continue
        examples = PER_POST_ROUTE if "POST" in route.methods else PER_GET_ROUTE
        if route.endpoint in PHONE_POSTS:
            examples *= 3

        @settings(FUZZ, max_examples=examples)
        @given(case=cases(world, [route]))
        def fuzz(case: Case) -> None:
            keep_round_open(app, world)
            send(app, world, case, app_errors)

        fuzz()
    _report()


def test_random_posts_with_right_wrong_or_missing_csrf_tokens(
    app: Any, world: World, app_errors: _Errors
) -> None:
    """With CSRF on, as in production: a right token reaches the forms, a wrong one is a 400."""
    routes = [r for r in discover_routes(app) if "POST" in r.methods]
    app.config["WTF_CSRF_ENABLED"] = True
    tokens = {}
    for caller, browser in world.clients.items():
        page = parse_html(browser.get("/"))
        tokens[caller] = json.loads(page.body["hx-headers"])["X-CSRFToken"]

    @settings(FUZZ, max_examples=_examples(120, 30))
    @given(
        case=cases(world, routes),
        choice=st.sampled_from(("right", "wrong", "missing")),
        where=st.sampled_from(("form", "header")),
    )
    def fuzz(case: Case, choice: str, where: str) -> None:
        keep_round_open(app, world)
        if case.method != "POST":
            case.method = "POST"
        token = {
            "right": tokens[case.caller],
            "wrong": tokens[case.caller][::-1],
            "missing": None,
        }[choice]
        data = case.body.get("data")
        if isinstance(data, dict):
            # a harvested form carries the page's own (right) token: this example decides
            data.pop("csrf_token", None)
        if token is not None:
            if where == "header":
                case.headers["X-CSRFToken"] = token
            elif isinstance(data, dict):
                data["csrf_token"] = token
            else:
                case.body = {"data": {"csrf_token": token}}
        response = send(app, world, case, app_errors)
        # a 308 is the router's (``/j//stem`` to ``/j/stem``), before any view or CSRF check
        if choice != "right" and response.status_code < 400 and response.status_code != 308:
            pytest.fail(f"a POST without a right CSRF token was accepted: {case!r}")

    fuzz()
    _report()
