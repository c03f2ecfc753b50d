"""Class 2: wrong types, non-ASCII or huge numbers, JSON bodies: 400/422, never 500.

Each of the nine 500s found in issue 9 is here, with the clear message and the stored data
unchanged. ``TESTING`` propagates no exception past the app's handler for unexpected errors,
so a crash would show up as a 500 here.
"""

from __future__ import annotations

import io
import json

import pytest
from factories import edit_round_form, join, open_round, parse_html, vote_by_places

from hhu_ranking.numbers import ascii_int


def _text(response) -> str:
    return parse_html(response).get_text(" ", strip=True)


HUGE = "9" * 4301


@pytest.mark.parametrize("pillar", ["9" * 30, HUGE, "²", "١", "-1"])
def test_a_pillar_that_is_no_id_is_a_clear_422(app, client, make_session, stored, pillar):
    ids = make_session()
    before = stored()
    response = client.post(
        f"/j/{ids['code']}", data={"organisation": "Gemeente Utrecht", "pillar": pillar}
    )
    assert response.status_code == 422
    assert "Kies je werkveld." in _text(response)
    assert stored() == before


@pytest.mark.parametrize(
    "body",
    [
        {"organisation": ["x"], "pillar": {"a": 1}},
        [1, 2],
        "tekst",
        {"organisation": 5, "pillar": 1},
    ],
)
def test_a_json_body_to_join_is_a_clear_400(app, client, make_session, stored, body):
    ids = make_session()
    before = stored()
    response = client.post(
        f"/j/{ids['code']}", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert "Deze pagina leest alleen formulieren, geen JSON." in _text(response)
    assert stored() == before


@pytest.mark.parametrize("body", [{"email": 5, "password": []}, "x", [["email", "a@b"]]])
def test_a_json_body_to_login_is_a_clear_400(client, make_user, stored, body):
    make_user()
    before = stored()
    response = client.post("/auth/login", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "Deze pagina leest alleen formulieren, geen JSON." in _text(response)
    with client.session_transaction() as cookie:
        assert "_user_id" not in cookie
    assert stored() == before


@pytest.mark.parametrize("place", ["²", "١", HUGE, "9" * 4000, "1000", "-1", "1.0", "0x1"])
def test_a_place_that_is_no_small_ascii_number_is_a_clear_422(
    app, client, make_session, stored, place
):
    ids = make_session()
    open_round(app, ids["round_id"])
    join(client, app, ids["code"])
    first, second, third = ids["item_ids"]
    before = stored()
    response = vote_by_places(
        client, ids["code"], ids["round_id"], {first: place, second: 2, third: 3}
    )
    assert response.status_code == 422
    assert "Vul bij elk onderdeel een getal in." in _text(response)
    assert stored() == before


@pytest.mark.parametrize("value", [HUGE, "٣", "9" * 30])
def test_a_ranking_or_round_id_that_is_no_id_is_a_clear_422(
    app, client, make_session, stored, value
):
    ids = make_session()
    open_round(app, ids["round_id"])
    join(client, app, ids["code"])
    before = stored()
    for data in (
        {"round_id": ids["round_id"], "ranking": [value, *ids["item_ids"][1:]]},
        {"round_id": value, "ranking": ids["item_ids"]},
    ):
        response = client.post(f"/j/{ids['code']}/stem", data=data)
        assert response.status_code == 422
        assert "Je stem kon niet worden gelezen." in _text(response)
    assert stored() == before


def _editor_form(**fields: str) -> dict[str, str]:
    """The editor of make_session's draft round, saved as it is; ``fields`` override."""
    return edit_round_form(["Mensgericht", "Missiegedreven", "Regiobreed"], **fields)


@pytest.mark.parametrize("value", ["²", HUGE, "١"])
def test_the_round_editor_reads_no_strange_numbers(login, make_session, stored, value):
    ids = make_session()
    facilitator = login()
    url = f"/beheer/rondes/{ids['round_id']}/bewerken"
    before = stored()
    # a row button with a strange index changes nothing and says it is not saved yet
    moved = facilitator.post(url, data=_editor_form(action=f"up-{value}"))
    assert moved.status_code == 200
    assert "Nog niet opgeslagen" in _text(moved)
    # a top-k that is not a number is the form's message, not a crash
    top = facilitator.post(url, data=_editor_form(mode="top_k", top_k=value))
    assert top.status_code == 422
    assert "Vul een heel getal in, met de cijfers 0 tot 9." in _text(top)
    assert stored() == before
    # a catalogue id that is no number is dropped: the row is an own item
    saved = facilitator.post(url, data=_editor_form(**{"items-0-catalogue_item_id": value}))
    assert saved.status_code == 302
    assert stored()["items"] == before["items"]


def test_a_csv_with_a_byte_that_is_no_text_is_a_clear_422(app, login, make_session, stored):
    ids = make_session()
    open_round(app, ids["round_id"])
    facilitator = login()
    before = stored()
    data = b"plaats 1,plaats 2,plaats 3\nMensgericht,Missiegedreven,Regiobreed\n"
    response = facilitator.post(
        f"/import/ronde/{ids['round_id']}",
        data={"file": (io.BytesIO(data + b"Mensgericht,\x81,Regiobreed\n"), "papier.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Deze regel is geen tekst in UTF-8 of Windows-1252." in _text(response)
    assert stored() == before


def _preflib(count: str, voters: str | None = None) -> bytes:
    header = [
        "# FILE NAME: papier.soc",
        "# DATA TYPE: soc",
        "# NUMBER ALTERNATIVES: 3",
        "# ALTERNATIVE NAME 1: Mensgericht",
        "# ALTERNATIVE NAME 2: Missiegedreven",
        "# ALTERNATIVE NAME 3: Regiobreed",
    ]
    if voters is not None:
        header += [f"# NUMBER VOTERS: {voters}", "# NUMBER UNIQUE ORDERS: 1"]
    return ("\n".join([*header, f"{count}: 1,2,3", ""])).encode()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (_preflib("1" + "0" * 400), "the count is too large"),
        (_preflib("1" + "0" * 400, voters="1" + "0" * 400), "is too large"),
        (_preflib("1" + "0" * 5000), "the count is too large"),
        (_preflib("20000", voters="20000"), "mag er hoogstens 5000 bevatten"),
    ],
)
def test_a_preflib_count_beyond_reason_is_a_clear_422(
    app, login, make_session, stored, file, message
):
    ids = make_session()
    open_round(app, ids["round_id"])
    facilitator = login()
    before = stored()
    response = facilitator.post(
        f"/import/ronde/{ids['round_id']}",
        data={"file": (io.BytesIO(file), "papier.soc")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Het bestand is niet ingelezen" in _text(response)
    assert message in _text(response)
    assert stored() == before


def test_ascii_int_reads_ascii_digits_only():
    assert ascii_int(" 42 ") == 42
    for bad in ("²", "١", "-1", "", "1e3", HUGE, str(2**63)):
        with pytest.raises(ValueError):
            ascii_int(bad)


#: one past the largest id PostgreSQL's ``integer`` columns hold (SQLite's go further)
PAST_INTEGER = 2**31


def _int_routes(app):
    """Every route with an ``<int:…>`` variable, with that variable one past the range."""
    import re

    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:\w+>", str(PAST_INTEGER), rule.rule)
        path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)
        path = re.sub(r"<\w+>", "ABCDEF", path)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            yield method, path


def test_an_id_beyond_the_databases_integers_is_not_found_on_every_route(
    app, login, make_user, stored
):
    """Found by the fuzzing test on PostgreSQL: ``/agenda/overnemen/2147483648/1`` was a 500
    ("integer out of range"); SQLite's integers are 64 bits, PostgreSQL's 32."""
    from hhu_ranking.models import Role

    client = login(email="beheer@hhu.test", role=Role.ADMIN)
    before = stored()
    for method, path in _int_routes(app):
        response = client.open(path, method=method, data={"title": "x"})
        # 405 where another rule shares the path: Werkzeug's matcher refuses the method first
        assert response.status_code in (404, 405), (method, path, response.status_code)
    assert stored() == before


def test_a_form_or_query_id_beyond_the_databases_integers_is_a_clear_answer(app, login, stored):
    from factories import KERNGROEP, voted_session

    client = login(**KERNGROEP)
    closed = voted_session(app)
    before = stored()
    adopt = f"/agenda/overnemen/{closed['outcome_id']}/{closed['item_ids'][0]}"
    for field in ("coalition_id", "phase_id"):
        response = client.post(
            adopt, data={field: str(PAST_INTEGER), "year": "2026", "status": "proposed"}
        )
        assert response.status_code in (200, 422)
        assert parse_html(response).select(f"[name={field}][aria-invalid=true]")
    compare = client.get(f"/uitkomsten/vergelijken?a={PAST_INTEGER}&b={closed['outcome_id']}")
    assert compare.status_code in (200, 404)
    assert stored() == before


#: a multipart body whose one part has no name: Werkzeug reads it as the key None
NAMELESS_PART = b"--x\r\nContent-Disposition: form-data\r\n\r\nMensgericht\r\n--x--\r\n"


def test_a_form_part_without_a_name_is_a_clear_400(app, client, make_session, stored):
    """Found by the fuzzing test with CSRF on (as in production): Flask-WTF's CSRF check
    called ``None.endswith`` on such a part, a 500 on every POST route."""
    ids = make_session()
    open_round(app, ids["round_id"])
    app.config["WTF_CSRF_ENABLED"] = True
    before = stored()
    for path in ("/auth/login", f"/j/{ids['code']}", f"/j/{ids['code']}/stem"):
        response = client.post(
            path, data=NAMELESS_PART, content_type="multipart/form-data; boundary=x"
        )
        assert response.status_code == 400, path
        assert "Dit formulier konden we niet lezen: een veld heeft geen naam." in _text(response)
    assert stored() == before
