"""Issue 9, classes 7, 14 and 15, which held before the probe and must keep holding.

Class 7: a participant's token is long and random, HttpOnly and SameSite (Secure behind
HTTPS), stored only as a hash and never in a URL. Class 14: once a round is open its items
are locked. Class 15: exported cells cannot become formulas, and the exports' filters come
from allow-lists (an unknown one is a 404 or is ignored, never a 500).
"""

from __future__ import annotations

import csv
import io

from factories import edit_round_form, join, open_round, parse_html, voted_session
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import Participant, Round


def _token_of(app, client, session_id: int) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return data["participants"][str(session_id)]


def test_a_participant_token_is_random_httponly_samesite_and_kept_only_hashed(
    app, client, make_session
):
    ids = make_session()
    open_round(app, ids["round_id"])
    joined = join(client, app, ids["code"])
    set_cookie = joined.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    token = _token_of(app, client, ids["session_id"])
    assert len(token) >= 22  # at least 128 random bits in URL-safe base64
    other = app.test_client()
    join(other, app, ids["code"])
    assert _token_of(app, other, ids["session_id"]) != token
    with app.app_context():
        row = db.session.scalars(select(Participant)).first()
        stored = [str(getattr(row, c.key)) for c in Participant.__table__.columns]
    assert not any(token in value for value in stored)
    page = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    links = [a.get("href", "") + a.get("hx-post", "") for a in parse_html(page).select("[href]")]
    assert token not in page and not any(token in link for link in links)


def test_behind_https_the_participant_cookie_is_secure(app, client, make_session):
    app.config["SESSION_COOKIE_SECURE"] = True
    ids = make_session()
    assert "Secure" in join(client, app, ids["code"]).headers["Set-Cookie"]


def test_an_open_rounds_items_are_locked(app, login, make_session, stored):
    facilitator = login()
    ids = make_session()
    open_round(app, ids["round_id"])
    before = stored()
    refused = facilitator.post(
        f"/beheer/rondes/{ids['round_id']}/bewerken",
        data=edit_round_form(["Iets anders"]),
    )
    assert refused.status_code == 409
    assert "liggen vast" in refused.get_data(as_text=True)
    assert stored() == before
    with app.app_context():
        titles = [i.title for i in db.session.get(Round, ids["round_id"]).items]
    assert titles == ["Mensgericht", "Missiegedreven", "Regiobreed"]


def test_exported_cells_never_become_formulas(app, client, login):
    voted = voted_session(
        app,
        items=('=HYPERLINK("http://kwaad.test")', "+31 Zorg", "@Wijk"),
        orders=[[0, 1, 2], [2, 1, 0]],
        organisations=["=1+1", "Gemeente Utrecht"],
    )
    login()
    text = client.get(f"/export/ronde/{voted['round_id']}/stemmen.csv").data.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'=1+1" in text


def test_export_filters_come_from_allow_lists(app, client, login):
    voted = voted_session(app, items=("A", "B", "C"), orders=[[0, 1, 2], [2, 1, 0]])
    login()
    # an unknown coalition is not found; an unknown version or method is not guessed at
    assert client.get("/export/agenda.csv?coalitie=%27%3BDROP%20TABLE").status_code == 404
    assert client.get("/export/agenda.csv?coalitie=onbekend").status_code == 404
    base = f"/export/ronde/{voted['round_id']}/stemmen.csv"
    for query in ("versie=abc", "versie=-1", "versie=99999999999999999999", "versie=1%00"):
        assert client.get(f"{base}?{query}").status_code in (200, 404), query
    outcome = client.get(f"/uitkomsten/ronde/{voted['round_id']}", follow_redirects=True)
    for method in ("evil", "__class__", "borda%27"):
        page = client.get(f"{outcome.request.path}?methode={method}")
        assert page.status_code == 200
