"""Partners on their phones: joining, ranking, and learning that a round opened or closed."""

from __future__ import annotations

import hashlib
import re

import pytest
from factories import (
    ballots,
    close_round,
    join,
    open_round,
    parse_html,
    pillar_id,
    shows_ballot,
    texts,
    vote,
    vote_by_places,
)
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import BallotMode, Participant, RankingSession
from hhu_ranking.polling import phone_etag, poll_tag_key
from hhu_ranking.services.sessions import set_joining_locked


@pytest.fixture
def voting(app, client, make_session):
    """``make_session(**kwargs)``, joined by ``client``, with its round open; returns the ids."""

    def make(**kwargs):
        ids = make_session(**kwargs)
        join(client, app, ids["code"])
        open_round(app, ids["round_id"])
        return ids

    return make


def _spaced_lower(code: str) -> str:
    return f" {code[:3].lower()} {code[3:].lower()} "


def test_join_box_accepts_the_code_in_lower_case_with_spaces(client, make_session):
    ids = make_session()
    response = client.get("/doe-mee", query_string={"code": _spaced_lower(ids["code"])})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/j/{ids['code']}")


def test_home_page_join_box_points_at_the_join_route(client):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/doe-mee"' in page


def test_unknown_code_gets_a_clear_dutch_message(client, make_session):
    make_session()
    response = client.get("/doe-mee", query_string={"code": "QQQQQQ"})
    assert response.status_code == 404
    assert "We kennen geen sessie met de code" in response.get_data(as_text=True)


def test_a_link_with_a_lower_case_code_is_tidied(client, make_session):
    ids = make_session()
    response = client.get(f"/j/{ids['code'].lower()}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/j/{ids['code']}")


def test_join_form_offers_partners_and_the_six_pillars_in_dutch(client, make_session):
    ids = make_session()
    page = client.get(f"/j/{ids['code']}").get_data(as_text=True)
    assert '<datalist id="partners">' in page
    assert '<option value="Gemeente Utrecht">' in page
    assert "Praktijk en uitvoering" in page
    assert len([o for o in parse_html(page).select("option") if o["value"].isdigit()]) == 6


def test_pillars_are_english_when_the_locale_is_english(client, make_session):
    ids = make_session()
    page = client.get(f"/j/{ids['code']}?lang=en").get_data(as_text=True)
    assert "Praktijk en uitvoering" not in page
    assert ">Practice</option>" in page


def test_joining_stores_the_participant_and_a_signed_cookie(app, client, make_session):
    ids = make_session(ask_names=True)
    response = join(client, app, ids["code"], name="Fatima")
    # the ballot page at once, naming its own address for the history (poll.js)
    assert shows_ballot(response)
    body = parse_html(response.get_data(as_text=True)).body
    assert body["data-address"] == f"/j/{ids['code']}/stem"
    with client.session_transaction() as cookie:
        token = cookie["participants"][str(ids["session_id"])]
    with app.app_context():
        participant = db.session.scalar(select(Participant))
        assert participant.organisation.name == "Gemeente Utrecht"
        assert participant.display_name == "Fatima"
        # only the SHA-256 of the token is stored, and the token itself in no column of any table
        assert participant.token_hash == hashlib.sha256(token.encode()).hexdigest()
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                assert not any(token in str(value) for value in row), table.name
    # coming back to the join link goes straight to the ballot
    again = client.get(f"/j/{ids['code']}")
    assert again.status_code == 302 and again.headers["Location"].endswith("/stem")


def test_joining_needs_an_organisation_and_a_pillar(app, client, make_session):
    ids = make_session()
    no_org = client.post(f"/j/{ids['code']}", data={"organisation": " ", "pillar": pillar_id(app)})
    assert no_org.status_code == 422
    assert "Kies je organisatie" in no_org.get_data(as_text=True)
    no_pillar = client.post(
        f"/j/{ids['code']}", data={"organisation": "Gemeente Utrecht", "pillar": ""}
    )
    assert no_pillar.status_code == 422
    assert "Kies je werkveld" in no_pillar.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Participant)) is None


def test_another_organisation_may_be_typed(app, client, make_session):
    ids = make_session()
    assert shows_ballot(join(client, app, ids["code"], organisation="Buurtteam  Overvecht"))
    with app.app_context():
        participant = db.session.scalar(select(Participant))
        assert participant.organisation_id is None
        assert participant.organisation_other == "Buurtteam Overvecht"


def test_a_typed_partner_name_counts_as_that_partner(app, client, make_session):
    ids = make_session()
    join(client, app, ids["code"], organisation="gemeente utrecht")
    with app.app_context():
        assert db.session.scalar(select(Participant)).organisation.name == "Gemeente Utrecht"


def test_a_locked_session_refuses_new_participants(app, client, make_session):
    ids = make_session()
    with app.app_context():
        set_joining_locked(db.session, db.session.get(RankingSession, ids["session_id"]), True)
        db.session.commit()
    page = client.get(f"/j/{ids['code']}")
    assert page.status_code == 403
    assert "gesloten voor nieuwe deelnemers" in page.get_data(as_text=True)
    response = join(client, app, ids["code"])
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Participant)) is None


def test_a_joined_phone_keeps_voting_after_the_session_locks(app, client, voting):
    ids = voting()
    with app.app_context():
        set_joining_locked(db.session, db.session.get(RankingSession, ids["session_id"]), True)
        db.session.commit()
    assert vote(client, ids["code"], ids["round_id"], ids["item_ids"]).status_code == 302


def test_ballot_page_without_joining_sends_you_to_join(client, make_session):
    ids = make_session()
    response = client.get(f"/j/{ids['code']}/stem")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/j/{ids['code']}"
    )


def test_before_a_round_opens_the_phone_waits(app, client, make_session):
    ids = make_session()
    join(client, app, ids["code"])
    page = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    assert "opent zo de eerste ronde" in page
    # its poll is held by the server until the round opens (long polls, the default)
    assert 'hx-trigger="load delay:2.0s, shown, next-poll" data-long-poll' in page
    assert "wait=25" in page and "data-pause-hidden" in page


def test_open_round_shows_the_items_to_rank_with_and_without_javascript(app, client, voting):
    ids = voting()
    page = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    for title in ("Mensgericht", "Missiegedreven", "Regiobreed"):
        assert title in page
    # JavaScript posts the list order; without it each item has a place select
    for item_id in ids["item_ids"]:
        assert f'name="ranking" value="{item_id}" disabled' in page
        assert f'name="pos-{item_id}"' in page
    assert 'aria-live="polite"' in page
    assert "hoger zetten" in page and "lager zetten" in page
    assert "/Sortable.min." in page and "js/rank." in page


def test_ballot_is_confirmed_with_its_order_and_time(app, client, voting):
    ids = voting()
    a, b, c = ids["item_ids"]
    response = vote(client, ids["code"], ids["round_id"], [c, a, b])
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Je stem is ontvangen" in page
    assert texts(page, "ol.confirm-list > li") == [
        "Regiobreed",
        "Mensgericht",
        "Missiegedreven",
    ]
    assert re.search(r"Ontvangen om \d\d:\d\d:\d\d", page)


def test_ballot_over_htmx_returns_the_confirmed_fragment(app, client, voting):
    ids = voting()
    response = vote(client, ids["code"], ids["round_id"], ids["item_ids"], **{"HX-Request": "true"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="phone-round"')
    assert "Je stem is ontvangen" in body and "<html" not in body


def test_ballot_can_be_revised_and_the_last_one_counts(app, client, voting):
    ids = voting()
    a, b, c = ids["item_ids"]
    vote(client, ids["code"], ids["round_id"], [a, b, c])
    vote(client, ids["code"], ids["round_id"], [b, c, a])
    stored = ballots(app, ids["round_id"])
    assert len(stored) == 1
    assert stored[0].ranking == [b, c, a]
    assert stored[0].revision == 2
    page = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    assert "Stem aanpassen" in page


def test_no_javascript_form_with_place_selects_works(app, client, voting):
    ids = voting()
    a, b, c = ids["item_ids"]
    response = vote_by_places(client, ids["code"], ids["round_id"], {a: 3, b: 1, c: 2})
    assert response.status_code == 302
    assert ballots(app, ids["round_id"])[0].ranking == [b, c, a]


def test_no_javascript_form_reports_a_double_place(app, client, voting):
    ids = voting()
    a, b, c = ids["item_ids"]
    response = vote_by_places(client, ids["code"], ids["round_id"], {a: 1, b: 1, c: 2})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Twee onderdelen staan op plaats 1" in page
    # the phone keeps what was chosen, so only the mistake needs fixing
    chosen = parse_html(page).select_one(f'input[name="pos-{b}"]')
    assert chosen is not None and chosen["value"] == "1"
    assert ballots(app, ids["round_id"]) == []


def test_top_k_round_offers_not_chosen_and_k_places(app, client, voting):
    ids = voting(items=("A", "B", "C", "D", "E"), mode=BallotMode.TOP_K, top_k=2)
    page = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    assert "Mijn top 2" in page and "Niet gekozen" in page
    fields = parse_html(page).select('input[type="number"][name^="pos-"]')
    assert len(fields) == 5
    assert {(f["min"], f["max"]) for f in fields} == {("0", "2")}
    assert all(not f.has_attr("value") for f in fields)
    first, _, third, *_ = ids["item_ids"]
    response = vote_by_places(client, ids["code"], ids["round_id"], {third: 1, first: 2})
    assert response.status_code == 302
    assert ballots(app, ids["round_id"])[0].ranking == [third, first]


def test_status_is_304_while_nothing_changed_and_200_when_a_round_opens(app, client, make_session):
    ids = make_session()
    join(client, app, ids["code"])
    first = client.get(f"/j/{ids['code']}/status", query_string={"seen": "wacht"})
    # nothing to show yet: no body, but the phone learns the version
    assert first.status_code == 204
    etag = first.headers["ETag"]
    assert (
        client.get(
            f"/j/{ids['code']}/status",
            query_string={"seen": "wacht"},
            headers={"If-None-Match": etag},
        ).status_code
        == 304
    )
    open_round(app, ids["round_id"])
    opened = client.get(
        f"/j/{ids['code']}/status", query_string={"seen": "wacht"}, headers={"If-None-Match": etag}
    )
    assert opened.status_code == 200
    assert opened.headers["ETag"] != etag
    body = opened.get_data(as_text=True)
    assert "Waarden" in body and 'name="ranking"' in body
    assert f"seen={ids['round_id']}-open" in body
    close_round(app, ids["round_id"])
    closed = client.get(
        f"/j/{ids['code']}/status",
        query_string={"seen": f"{ids['round_id']}-open"},
        headers={"If-None-Match": opened.headers["ETag"]},
    )
    assert closed.status_code == 200
    assert "Deze ronde is gesloten" in closed.get_data(as_text=True)


def test_status_keeps_a_half_sorted_ballot_when_only_other_things_change(app, client, voting):
    ids = voting()
    seen = f"{ids['round_id']}-open"
    before = client.get(f"/j/{ids['code']}/status", query_string={"seen": seen})
    with app.app_context():  # the facilitator locks joining: the state version moves
        set_joining_locked(db.session, db.session.get(RankingSession, ids["session_id"]), True)
        db.session.commit()
    after = client.get(
        f"/j/{ids['code']}/status",
        query_string={"seen": seen},
        headers={"If-None-Match": before.headers["ETag"]},
    )
    assert after.status_code == 204  # no swap: the phone keeps its order
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.headers["Cache-Control"] == "no-store"


def test_status_fragment_carries_its_etag_for_the_next_poll(app, client, make_session):
    ids = make_session()
    join(client, app, ids["code"])
    page = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    with app.app_context():
        version = db.session.get(RankingSession, ids["session_id"]).state_version
        tag = phone_etag(version, ids["code"], poll_tag_key(app.config["SECRET_KEY"]))
    assert tag.startswith(f"p{version}.")
    assert f'hx-headers=\'{{"If-None-Match": "\\"{tag}\\""}}\'' in page


def test_at_the_close_the_hall_gets_the_shared_view_and_each_ballot_follows(app, client, voting):
    """The moment of truth: a status poll after the close answers with the round's closed
    card only; the phone's own ballot comes from a second request, spread over seconds."""
    ids = voting()
    a, b, c = ids["item_ids"]
    vote(client, ids["code"], ids["round_id"], [c, a, b])
    seen = f"{ids['round_id']}-open"
    before = client.get(f"/j/{ids['code']}/status?seen={seen}", headers={"HX-Request": "true"})
    close_round(app, ids["round_id"])

    polled = client.get(
        f"/j/{ids['code']}/status?seen={seen}",
        headers={"HX-Request": "true", "If-None-Match": before.headers["ETag"]},
    )
    assert polled.status_code == 200
    page = parse_html(polled.get_data(as_text=True))
    assert "Deze ronde is gesloten" in page.select_one(".phone-card.closed").get_text()
    assert page.select(".confirm-list") == []  # no ballot of its own yet
    loader = page.select_one("#my-ballot")
    assert loader["hx-trigger"] == "spread" and float(loader["data-spread-seconds"]) >= 1

    mine = client.get(loader["hx-get"], headers={"HX-Request": "true"})
    assert mine.status_code == 200
    assert texts(mine.get_data(as_text=True), ".confirm-list li") == [
        "Regiobreed",
        "Mensgericht",
        "Missiegedreven",
    ]
    # a reload (no JavaScript) shows everything at once
    full = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    assert texts(full, "#my-ballot .confirm-list li")[0] == "Regiobreed"


def test_pages_that_do_not_poll_leave_the_hall_uncounted(app, client, voting, statements):
    """Counting the session's participants reads every one of them: a hall of thousands
    pays it only on the pages that name a poll interval."""
    ids = voting()
    vote(client, ids["code"], ids["round_id"], ids["item_ids"])
    statements.clear()
    assert "hx-trigger" in client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    assert any("count(" in s.lower() for s in statements)
    close_round(app, ids["round_id"])
    statements.clear()
    mine = client.get(f"/j/{ids['code']}/mijn-stem/{ids['round_id']}")
    back = client.get(f"/j/{ids['code']}")  # a phone that joined, on the join link again
    assert mine.status_code == 200 and "confirm-list" in mine.get_data(as_text=True)
    assert back.status_code == 302 and back.location.endswith(f"/j/{ids['code']}/stem")
    assert statements and not any("count(" in s.lower() for s in statements)


def test_the_join_answers_with_the_ballot_naming_the_partner_it_looked_up_once(
    app, client, make_session, statements
):
    ids = make_session(opened=True)
    statements.clear()
    response = join(client, app, ids["code"], organisation="gemeente  utrecht")
    assert shows_ballot(response)
    assert "Gemeente Utrecht" in texts(response.get_data(as_text=True), ".eyebrow")[0]
    # the typed name found the partner; the ballot page names it without reading it again
    assert len([s for s in statements if "from organisation" in s.lower()]) == 1


def test_someone_elses_ballot_cannot_be_fetched(app, client, voting):
    ids = voting()
    vote(client, ids["code"], ids["round_id"], ids["item_ids"])
    close_round(app, ids["round_id"])
    stranger = app.test_client()
    answer = stranger.get(f"/j/{ids['code']}/mijn-stem/{ids['round_id']}")
    assert answer.status_code == 204 and answer.get_data() == b""


def test_the_form_without_javascript_stays_light_for_thirty_items(app, client, voting):
    ids = voting(items=tuple(f"Onderdeel nummer {n}" for n in range(1, 31)))
    page = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    html = parse_html(page)
    # one small numeric field per item, not thirty options per item
    assert html.select("form.ballot option") == []
    fields = html.select('input[type="number"][inputmode="numeric"][name^="pos-"]')
    assert len(fields) == 30
    assert [f["value"] for f in fields] == [str(n) for n in range(1, 31)]
    assert len(page.encode()) < 40_000
    places = {item_id: 31 - n for n, item_id in enumerate(ids["item_ids"], 1)}
    response = vote_by_places(client, ids["code"], ids["round_id"], places)
    assert response.status_code == 302 and response.headers["Location"].endswith("#bevestiging")
    assert ballots(app, ids["round_id"])[0].ranking == list(reversed(ids["item_ids"]))


def test_a_ballot_sent_over_htmx_marks_its_confirmation_to_be_shown(app, client, voting):
    ids = voting()
    response = vote(client, ids["code"], ids["round_id"], ids["item_ids"], **{"HX-Request": "true"})
    confirmation = parse_html(response.get_data(as_text=True)).select_one("#bevestiging")
    assert confirmation is not None and confirmation.has_attr("data-just-received")
    assert confirmation["tabindex"] == "-1"
    # the page loaded again later shows it, but does not pull the phone there
    page = client.get(f"/j/{ids['code']}/stem").get_data(as_text=True)
    assert not parse_html(page).select_one("#bevestiging").has_attr("data-just-received")


def test_a_skip_link_leads_to_the_send_button(app, client, voting):
    ids = voting()
    html = parse_html(client.get(f"/j/{ids['code']}/stem").get_data(as_text=True))
    assert html.select_one('form.ballot a.skip-link[href="#send-ballot"]') is not None
    assert html.select_one("button#send-ballot[type=submit]") is not None
