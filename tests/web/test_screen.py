"""The big screen: code and QR, counts, who voted, the live result, cheap conditional polls."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from factories import close_round, join, open_round, parse_html, shows_ballot, texts, vote

from hhu_ranking.extensions import db
from hhu_ranking.models import RankingSession, Round
from hhu_ranking.services import results, rounds
from hhu_ranking.services.qr import join_url

HX = {"HX-Request": "true"}


def _phone(app, code, organisation="Gemeente Utrecht", name=""):
    phone = app.test_client()
    assert shows_ballot(join(phone, app, code, organisation=organisation, name=name))
    return phone


def _fragment(client, code, **headers):
    return client.get(f"/scherm/{code}", headers={**HX, **headers})


def _kemeny(body: str) -> list[str]:
    return texts(body, '[data-result="kemeny"] > li .item-title')


def _borda(body: str) -> list[tuple[str, str]]:
    """(title, score) per bar; each title is shown after its place (no ties here)."""
    bars = parse_html(body).select('[data-result="borda"] > li')
    titles = [bar.select_one(".bar-title").get_text(strip=True) for bar in bars]
    places = [bar.select_one(".place").get_text(strip=True) for bar in bars]
    assert places == [str(n) for n in range(1, len(bars) + 1)]
    scores = [bar.select_one(".bar-score").get_text(strip=True) for bar in bars]
    return list(zip(titles, scores, strict=True))


def _count(body, kind: str) -> str:
    """The number in the screen's "joined" or "voted" counter."""
    return parse_html(body).select_one(f'[data-count="{kind}"] > strong').get_text()


def _poll_etag(body) -> str:
    """The ETag the fragment's poller sends back (its hx-headers)."""
    poller = parse_html(body).select_one('[hx-headers*="If-None-Match"]')
    return json.loads(poller["hx-headers"])["If-None-Match"]


def test_projector_page_shows_the_code_qr_and_counts_without_login(app, client, make_session):
    ids = make_session()
    _phone(app, ids["code"])
    response = client.get(f"/scherm/{ids['code']}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ids["code"] in page
    assert f"/scherm/{ids['code']}/qr.svg" in page
    assert _count(page, "joined") == "1"
    assert 'hx-trigger="every 1.0s"' in page
    assert "HX-Request" in response.headers["Vary"]


def test_lower_case_code_is_tidied_and_unknown_codes_are_404(client, make_session):
    ids = make_session()
    tidy = client.get(f"/scherm/{ids['code'].lower()}")
    assert tidy.status_code == 302 and tidy.headers["Location"].endswith(ids["code"])
    assert client.get("/scherm/QQQQQQ").status_code == 404


def test_qr_code_is_an_svg_of_the_absolute_join_link(app, client, make_session):
    ids = make_session()
    response = client.get(f"/scherm/{ids['code']}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox")
    with app.test_request_context("/", base_url="http://zaal.local:8000"):
        assert join_url(ids["code"]) == f"http://zaal.local:8000/j/{ids['code']}"
        app.config["PUBLIC_BASE_URL"] = "https://rank.healthhubutrecht.nl/"
        assert join_url(ids["code"]) == f"https://rank.healthhubutrecht.nl/j/{ids['code']}"


def test_fragment_is_304_while_nothing_changed_and_200_after_a_ballot(app, client, make_session):
    ids = make_session()
    phone = _phone(app, ids["code"])
    open_round(app, ids["round_id"])
    first = _fragment(client, ids["code"])
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="screen-live"') and "<html" not in body
    etag = first.headers["ETag"]
    assert "HX-Request" in first.headers["Vary"]
    # the fragment carries its own tag, so htmx sends it back on the next poll
    assert _poll_etag(body) == etag
    same = _fragment(client, ids["code"], **{"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    vote(phone, ids["code"], ids["round_id"], ids["item_ids"])
    after = _fragment(client, ids["code"], **{"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["ETag"] != etag
    assert _count(after, "voted") == "1"


def test_unchanged_poll_costs_one_select(app, client, make_session, statements):
    ids = make_session()
    open_round(app, ids["round_id"])
    etag = _fragment(client, ids["code"]).headers["ETag"]
    statements.clear()
    assert _fragment(client, ids["code"], **{"If-None-Match": etag}).status_code == 304
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "ranking_session" in selects[0]


def test_page_and_fragment_have_different_tags(client, make_session):
    ids = make_session()
    page = client.get(f"/scherm/{ids['code']}")
    fragment = _fragment(client, ids["code"])
    assert page.headers["ETag"] != fragment.headers["ETag"]
    assert (
        _fragment(client, ids["code"], **{"If-None-Match": page.headers["ETag"]}).status_code == 200
    )
    # the full page hands its poller the fragment's tag: the very first poll is already a 304
    tag = _poll_etag(page)
    assert tag == fragment.headers["ETag"]
    assert _fragment(client, ids["code"], **{"If-None-Match": tag}).status_code == 304


def test_counts_and_the_organisations_that_voted(app, client, make_session):
    ids = make_session(ask_names=True)
    umc = _phone(app, ids["code"], "UMC Utrecht", name="Geheime Naam")
    other = _phone(app, ids["code"], "Buurtteam Overvecht")
    _phone(app, ids["code"], "Gemeente Zeist")  # joined, did not vote
    open_round(app, ids["round_id"])
    vote(umc, ids["code"], ids["round_id"], ids["item_ids"])
    vote(other, ids["code"], ids["round_id"], ids["item_ids"])
    body = _fragment(client, ids["code"]).get_data(as_text=True)
    assert (_count(body, "joined"), _count(body, "voted")) == ("3", "2")
    orgs = texts(body, '[data-result="organisations"] > li')
    assert orgs == ["Buurtteam Overvecht", "UMC Utrecht"]
    assert "Gemeente Zeist" not in body
    assert "Geheime Naam" not in body


def _vote_known_profile(app, ids):
    """A > B > C twice-ish: Borda A 5, B 3, C 1; Kemeny A, B, C."""
    a, b, c = ids["item_ids"]
    for organisation, ranking in (
        ("UMC Utrecht", [a, b, c]),
        ("RIVM", [a, c, b]),
        ("TNO", [b, a, c]),
    ):
        phone = _phone(app, ids["code"], organisation)
        assert vote(phone, ids["code"], ids["round_id"], ranking).status_code == 302


def test_live_result_shows_borda_bars_and_the_kemeny_consensus(app, client, make_session):
    ids = make_session(items=("Mensgericht", "Missiegedreven", "Regiobreed"))
    open_round(app, ids["round_id"])
    _vote_known_profile(app, ids)
    body = _fragment(client, ids["code"]).get_data(as_text=True)
    assert _kemeny(body) == ["Mensgericht", "Missiegedreven", "Regiobreed"]
    assert _borda(body) == [("Mensgericht", "5"), ("Missiegedreven", "3"), ("Regiobreed", "1")]


def test_result_is_computed_once_per_change_not_once_per_viewer(
    app, client, make_session, monkeypatch
):
    ids = make_session()
    open_round(app, ids["round_id"])
    calls: list[int] = []
    real = results.compute_payload

    def counting(round_, ballots, *args):
        calls.append(len(ballots))
        return real(round_, ballots, *args)

    monkeypatch.setattr(results, "compute_payload", counting)
    _vote_known_profile(app, ids)
    for _viewer in range(4):
        assert _fragment(app.test_client(), ids["code"]).status_code == 200
    assert calls == [3]


def test_hidden_results_show_only_counts_until_the_round_closes(app, client, make_session):
    ids = make_session(results_live=False)
    open_round(app, ids["round_id"])
    _vote_known_profile(app, ids)
    body = _fragment(client, ids["code"]).get_data(as_text=True)
    assert _count(body, "voted") == "3"
    assert 'data-result="kemeny"' not in body and 'data-result="borda"' not in body
    assert "verborgen tot de ronde sluit" in body
    close_round(app, ids["round_id"])
    closed = _fragment(client, ids["code"]).get_data(as_text=True)
    assert "Uitslag" in closed
    # a sealed round closes into its reveal: every place waits for the facilitator
    assert _kemeny(closed) == ["?", "?", "?"]
    assert 'data-result="borda"' not in closed


def test_final_result_stays_after_close(app, client, make_session):
    ids = make_session()
    open_round(app, ids["round_id"])
    _vote_known_profile(app, ids)
    close_round(app, ids["round_id"])
    body = client.get(f"/scherm/{ids['code']}").get_data(as_text=True)
    assert 'data-state="closed"' in body
    assert _kemeny(body)[0] == "Mensgericht"


@pytest.mark.parametrize("state", ["none", "draft"])
def test_before_the_first_round_the_screen_invites_people_in(app, client, make_session, state):
    ids = make_session()
    with app.app_context():
        if state == "none":
            rounds.delete_round(db.session, db.session.get(Round, ids["round_id"]))
            db.session.commit()
        session_rounds = db.session.get(RankingSession, ids["session_id"]).rounds
        assert [r.state.value for r in session_rounds] == ([] if state == "none" else ["draft"])
    body = _fragment(client, ids["code"]).get_data(as_text=True)
    assert "De eerste ronde begint zo" in body
