"""Joining in seconds: the facilitator chooses per session what a phone is asked."""

from __future__ import annotations

from factories import parse_html, pillar_id, shows_ballot
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import Participant, Pillar, RankingSession
from hhu_ranking.services.sessions import set_join_questions


def _preset(app, session_id: int, preset: str) -> None:
    with app.app_context():
        set_join_questions(db.session, db.session.get(RankingSession, session_id), preset)
        db.session.commit()


def _participants(app) -> list[tuple[str | None, str | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(Participant.organisation_other, Pillar.key).outerjoin(Pillar)
        ).all()
        return [tuple(row) for row in rows]


def test_a_new_session_asks_organisation_and_pillar_as_before(app, client, make_session):
    ids = make_session()
    html = parse_html(client.get(f"/j/{ids['code']}").get_data(as_text=True))
    assert html.select_one("input[name=organisation]") is not None
    assert html.select_one("select[name=pillar]") is not None
    assert html.select_one("button[name=quick]") is None


def test_a_festival_asks_where_you_come_from_and_no_pillar(app, client, make_session):
    ids = make_session()
    _preset(app, ids["session_id"], "festival")
    page = client.get(f"/j/{ids['code']}").get_data(as_text=True)
    html = parse_html(page)
    assert "Waar kom je vandaan?" in page
    assert "bloedgroep" not in page.lower()
    assert html.select_one("select[name=pillar]") is None
    assert [b["value"] for b in html.select("button[name=quick]")] == ["inwoner", "bezoeker"]
    assert html.select_one("input[name=organisation]") is not None


def test_one_tap_joins_a_resident_with_the_residents_pillar(app, client, make_session):
    ids = make_session()
    _preset(app, ids["session_id"], "festival")
    response = client.post(f"/j/{ids['code']}", data={"quick": "inwoner"})
    assert shows_ballot(response)
    assert _participants(app) == [("Inwoner", "participatie")]


def test_one_tap_joins_a_visitor_without_a_pillar(app, client, make_session):
    ids = make_session()
    _preset(app, ids["session_id"], "festival")
    assert shows_ballot(client.post(f"/j/{ids['code']}", data={"quick": "bezoeker"}))
    assert _participants(app) == [("Bezoeker", None)]


def test_a_festival_still_takes_an_organisation_without_a_pillar(app, client, make_session):
    ids = make_session()
    _preset(app, ids["session_id"], "festival")
    response = client.post(f"/j/{ids['code']}", data={"organisation": "Buurtteam Overvecht"})
    assert shows_ballot(response)
    assert _participants(app) == [("Buurtteam Overvecht", None)]


def test_the_one_tap_roles_are_refused_where_the_session_does_not_offer_them(
    app, client, make_session
):
    ids = make_session()
    response = client.post(f"/j/{ids['code']}", data={"quick": "inwoner"})
    assert response.status_code == 422
    assert _participants(app) == []


def test_a_session_that_asks_nothing_joins_with_one_button(app, client, make_session):
    ids = make_session()
    _preset(app, ids["session_id"], "niets")
    html = parse_html(client.get(f"/j/{ids['code']}").get_data(as_text=True))
    assert html.select_one("input[name=organisation]") is None
    assert html.select_one("select[name=pillar]") is None
    assert shows_ballot(client.post(f"/j/{ids['code']}", data={}))
    assert _participants(app) == [(None, None)]


def test_a_festival_ignores_a_posted_pillar(app, client, make_session):
    ids = make_session()
    _preset(app, ids["session_id"], "festival")
    response = client.post(f"/j/{ids['code']}", data={"organisation": "RIVM", "pillar": "999"})
    assert shows_ballot(response)  # the festival asks none: the field is ignored
    # RIVM is a partner (organisation_id, not "other"), and no pillar is kept
    assert _participants(app) == [(None, None)]


def test_the_facilitator_chooses_the_festival_preset(app, client, login, make_session):
    login()
    page = client.get("/beheer/sessies/nieuw").get_data(as_text=True)
    assert 'value="festival"' in page and "Waar kom je vandaan?" in page
    ids = make_session()
    response = client.post(
        f"/beheer/sessies/{ids['session_id']}/meedoen-vragen",
        data={"join_questions": "festival"},
    )
    assert response.status_code == 302
    with app.app_context():
        ranking_session = db.session.get(RankingSession, ids["session_id"])
        assert (
            ranking_session.ask_organisation,
            ranking_session.ask_pillar,
            ranking_session.quick_roles,
        ) == (True, False, True)
    session_page = parse_html(
        client.get(f"/beheer/sessies/{ids['session_id']}").get_data(as_text=True)
    )
    assert session_page.select_one("input[name=join_questions][value=festival]").has_attr("checked")


def test_a_pillar_is_still_required_where_the_session_asks_one(app, client, make_session):
    ids = make_session()
    response = client.post(f"/j/{ids['code']}", data={"organisation": "RIVM"})
    assert response.status_code == 422
    assert shows_ballot(
        client.post(f"/j/{ids['code']}", data={"organisation": "RIVM", "pillar": pillar_id(app)})
    )
