"""Privacy (issue 12): names only when asked, the join notice, the editable statement, purge,
and a participant's data exported or deleted on request."""

from __future__ import annotations

import json

from clock import SESSION_DAY
from factories import join, parse_html, shows_ballot, vote, voted_session
from sqlalchemy import String, Text, select, text

from hhu_ranking.extensions import db
from hhu_ranking.models import (
    Ballot,
    Outcome,
    Participant,
    RankingSession,
    Role,
    RoundResult,
    SiteText,
)

NAMES = ["Zwaantje Privacytest", "Bartholomeus Geheimnaam", "Carlijn Verborgen", "Dirkje Stil"]


def _all_text_values(app):
    """Every value of every text column of every table, through the metadata."""
    values = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
            if not columns:
                continue
            for row in db.session.execute(select(*columns)):
                values.extend(str(v) for v in row if v is not None)
    return values


def _participants(app, session_id):
    with app.app_context():
        rows = db.session.scalars(
            select(Participant).where(Participant.session_id == session_id)
        ).all()
        db.session.expunge_all()
        return rows


# -- collect little ------------------------------------------------------------------------


def test_the_join_form_asks_a_name_only_when_the_session_does(app, client, make_session):
    quiet = make_session()
    page = parse_html(client.get(f"/j/{quiet['code']}"))
    assert page.select_one('input[name="display_name"]') is None
    named = make_session(ask_names=True)
    page = parse_html(client.get(f"/j/{named['code']}"))
    assert page.select_one('input[name="display_name"]') is not None


def test_the_service_refuses_a_name_the_session_did_not_ask_for(app, client, make_session):
    ids = make_session()
    response = join(client, app, ids["code"], name="Ongevraagd Naampje")
    assert response.status_code == 400
    assert "geen namen" in response.get_data(as_text=True)
    assert _participants(app, ids["session_id"]) == []
    assert shows_ballot(join(client, app, ids["code"]))


def test_the_facilitator_turns_asking_names_on(app, client, login, make_session):
    ids = make_session()
    login()
    response = client.post(f"/beheer/sessies/{ids['session_id']}/namen", data={"ask": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(RankingSession, ids["session_id"]).ask_names
    created = client.post(
        "/beheer/sessies/nieuw",
        data={
            "title": "Met namen",
            "held_on": SESSION_DAY.isoformat(),
            "kind": "alv",
            "coalition": "",
            "ask_names": "y",
        },
    )
    assert created.status_code == 302
    with app.app_context():
        made = db.session.scalar(select(RankingSession).where(RankingSession.title == "Met namen"))
        assert made.ask_names


# -- say it plainly ------------------------------------------------------------------------


def test_the_join_page_says_what_is_stored_in_dutch_and_english(client, make_session):
    ids = make_session()
    dutch = parse_html(client.get(f"/j/{ids['code']}")).select_one("#privacy-notice")
    assert "We bewaren je organisatie, je werkveld en je stemmen" in dutch.get_text()
    assert "30 dagen na de sessie" in dutch.get_text()
    assert dutch.select_one('a[href="/privacy"]') is not None
    english = parse_html(client.get(f"/j/{ids['code']}?lang=en")).select_one("#privacy-notice")
    assert "We keep your organisation, your field and your votes" in english.get_text()
    assert "30 days after the session" in english.get_text()


def test_the_privacy_page_has_a_default_text(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "Geen IP-adres" in page and "30 dagen na de bijeenkomst" in page
    assert "No IP address" in client.get("/privacy?lang=en").get_data(as_text=True)


def test_the_kerngroep_edits_the_privacy_text_and_it_is_escaped(app, client, login):
    login(email="kern@hhu.test", role=Role.KERNGROEP)
    assert client.get("/privacy/bewerken").status_code == 200
    body = "Onze eigen tekst.\n\n<script>alert(1)</script> blijft tekst."
    assert client.post("/privacy/bewerken", data={"body": body}).status_code == 302
    page = client.get("/privacy").get_data(as_text=True)
    assert "Onze eigen tekst." in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    with app.app_context():
        assert db.session.get(SiteText, "privacy").body == body


def test_a_facilitator_cannot_edit_the_privacy_text(app, client, login):
    login()
    assert client.get("/privacy/bewerken").status_code == 403
    assert client.post("/privacy/bewerken", data={"body": "Gekaapt"}).status_code == 403
    with app.app_context():
        assert db.session.get(SiteText, "privacy") is None
    assert "Gekaapt" not in client.get("/privacy").get_data(as_text=True)


def test_an_anonymous_visitor_cannot_edit_the_privacy_text(client):
    assert client.get("/privacy/bewerken").status_code == 302  # to the login page


# -- anonymity shown before voting ----------------------------------------------------------


def test_the_ballot_page_says_whether_the_round_is_named(app, client, make_session):
    from factories import open_round

    ids = make_session()
    open_round(app, ids["round_id"])
    join(client, app, ids["code"])
    line = parse_html(client.get(f"/j/{ids['code']}/stem")).select_one("#round-anonymity")
    assert "Anonieme ronde" in line.get_text()
    with app.app_context():
        from hhu_ranking.models import Round

        db.session.get(Round, ids["round_id"]).anonymous = False
        db.session.commit()
    line = parse_html(client.get(f"/j/{ids['code']}/stem")).select_one("#round-anonymity")
    assert "Ronde op naam" in line.get_text()


# -- keep it briefly: purge ----------------------------------------------------------------


def test_purge_leaves_no_name_or_token_and_outcomes_still_verify(app, runner, client, login):
    voted = voted_session(app, anonymous=False, names=NAMES)
    values = _all_text_values(app)
    assert any(NAMES[0] in v for v in values)  # the scan does see them before
    assert any(voted["token_hashes"][0] in v for v in values)

    app.config["RETENTION_DAYS"] = 5  # the session was held 9 days ago
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "zou opschonen" in dry.output and "4 deelnemers, 4 namen" in dry.output
    assert any(NAMES[0] in v for v in _all_text_values(app))  # a dry run changes nothing

    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "opgeschoond" in result.output
    values = _all_text_values(app)
    for secret in NAMES + voted["tokens"] + voted["token_hashes"]:
        assert not any(secret in v for v in values), secret
    # the anonymised ballots and the outcome stay, and still verify
    with app.app_context():
        assert len(db.session.scalars(select(Ballot)).all()) == 4
        assert db.session.get(Outcome, voted["outcome_id"]) is not None
        purged = db.session.get(RankingSession, voted["session_id"])
        assert purged.purged_at is not None and purged.joining_locked
    verified = runner.invoke(args=["verify-outcomes"])
    assert verified.exit_code == 0, verified.output

    # idempotent: a second run finds nothing
    again = runner.invoke(args=["purge"])
    assert again.exit_code == 0 and again.output.startswith("0 sessies")

    # a phone with an old cookie is no one any more
    with app.app_context():
        assert all(
            p.token_hash.startswith("purged-") for p in db.session.scalars(select(Participant))
        )

    login()
    page = client.get(f"/beheer/sessies/{voted['session_id']}").get_data(as_text=True)
    assert 'id="purged-notice"' in page
    outcome_page = client.get(f"/uitkomsten/{voted['outcome_id']}").get_data(as_text=True)
    assert 'id="purged-notice"' in outcome_page


def test_purge_keeps_sessions_within_the_retention_period(app, runner):
    voted = voted_session(app, names=NAMES)
    app.config["RETENTION_DAYS"] = 30
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0 and result.output.startswith("0 sessies")
    names = {p.display_name for p in _participants(app, voted["session_id"])}
    assert names == set(NAMES)


# -- rights on request ---------------------------------------------------------------------


def _find(client, session_id, query):
    return parse_html(
        client.get(f"/beheer/sessies/{session_id}/privacy", query_string={"q": query})
    )


def test_the_facilitator_finds_a_participant_by_name_or_organisation(app, client, login):
    voted = voted_session(app, names=NAMES)
    login()
    by_name = _find(client, voted["session_id"], "geheimnaam").select("#found tbody tr")
    assert len(by_name) == 1 and NAMES[1] in by_name[0].get_text()
    by_organisation = _find(client, voted["session_id"], "Gemeente Utrecht").select(
        "#found tbody tr"
    )
    assert len(by_organisation) == 2
    assert _find(client, voted["session_id"], "niemand-zo").select_one("#none-found") is not None


def test_the_export_holds_what_is_stored_and_no_token(app, client, login):
    voted = voted_session(app, names=NAMES)
    participant = _participants(app, voted["session_id"])[0]
    login()
    response = client.get(f"/beheer/deelnemers/{participant.id}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    record = json.loads(response.get_data(as_text=True))
    assert record["participant"]["name"] == participant.display_name
    assert record["participant"]["organisation"]
    assert [b["round_id"] for b in record["ballots"]] == [voted["round_id"]]
    assert record["counted_in_outcomes"][0]["outcome_id"] == voted["outcome_id"]
    raw = response.get_data(as_text=True)
    assert participant.token_hash not in raw
    assert not any(token in raw for token in voted["tokens"])


def test_the_privacy_pages_need_a_login(app, client):
    voted = voted_session(app)
    participant = _participants(app, voted["session_id"])[0]
    assert client.get(f"/beheer/sessies/{voted['session_id']}/privacy").status_code == 302
    assert client.get(f"/beheer/deelnemers/{participant.id}.json").status_code == 302
    assert client.post(f"/beheer/deelnemers/{participant.id}/verwijderen").status_code == 302
    assert len(_participants(app, voted["session_id"])) == 4


def test_deleting_in_an_open_round_updates_counts_and_the_live_result(app, client, login):
    voted = voted_session(app, close=False, names=NAMES)
    with app.app_context():
        db.session.add(
            RoundResult(round_id=voted["round_id"], version=7, claimed_version=7, payload="{}")
        )
        db.session.commit()
    gone = _participants(app, voted["session_id"])[0]
    login()
    response = client.post(f"/beheer/deelnemers/{gone.id}/verwijderen")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Participant, gone.id) is None
        ballots = db.session.scalars(select(Ballot).where(Ballot.round_id == voted["round_id"]))
        assert sorted(b.participant_id for b in ballots) == sorted(
            p.id for p in _participants(app, voted["session_id"])
        )
        cache = db.session.execute(
            text("SELECT version, claimed_version, payload FROM round_result WHERE round_id = :r"),
            {"r": voted["round_id"]},
        ).one()
        assert tuple(cache) == (0, 0, "")
        assert db.session.scalars(select(Outcome)).all() == []
    assert len(_participants(app, voted["session_id"])) == 3
    # the big screen counts three ballots now
    with app.app_context():
        code = db.session.get(RankingSession, voted["session_id"]).join_code
    screen = client.get(f"/scherm/{code}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert NAMES[0] not in screen


def test_deleting_in_a_closed_round_freezes_a_new_version_and_both_verify(
    app, client, login, runner
):
    voted = voted_session(app, names=NAMES)
    with app.app_context():
        first = db.session.get(Outcome, voted["outcome_id"])
        before = (first.result, first.ballots_digest, first.ballot_count)
    gone = _participants(app, voted["session_id"])[0]
    login()
    response = client.post(f"/beheer/deelnemers/{gone.id}/verwijderen", follow_redirects=True)
    assert "nieuwe versie" in response.get_data(as_text=True)
    with app.app_context():
        versions = db.session.scalars(
            select(Outcome)
            .where(Outcome.round_id == voted["round_id"])
            .order_by(Outcome.version_number)
        ).all()
        assert [o.version_number for o in versions] == [1, 2]
        # the frozen outcome stays exactly as it was
        assert (versions[0].result, versions[0].ballots_digest, versions[0].ballot_count) == before
        assert versions[1].ballot_count == 3
        assert versions[1].withdrawn_ids == [gone.id]
        assert all(b["participant_id"] != gone.id for b in versions[1].ballots)
        second_id = versions[1].id
    verified = runner.invoke(args=["verify-outcomes"])
    assert verified.exit_code == 0, verified.output
    assert "2 uitkomsten gecontroleerd" in verified.output
    page = client.get(f"/uitkomsten/{second_id}").get_data(as_text=True)
    assert 'id="withdrawn-notice"' in page
    assert "Daarna is een stem op verzoek ingetrokken" in client.get(
        f"/uitkomsten/{voted['outcome_id']}"
    ).get_data(as_text=True)


def test_a_ballot_deleted_by_sql_is_still_caught(app, runner):
    """The withdrawal record is what excuses a missing ballot; without it, it is a finding."""
    voted = voted_session(app)
    with app.app_context():
        db.session.execute(
            text("DELETE FROM ballot WHERE round_id = :r AND participant_id = :p"),
            {"r": voted["round_id"], "p": _participants(app, voted["session_id"])[0].id},
        )
        db.session.commit()
    assert runner.invoke(args=["verify-outcomes"]).exit_code != 0


def test_a_phone_keeps_voting_after_another_participant_is_deleted(
    app, client, login, make_session
):
    from factories import open_round

    ids = make_session()
    open_round(app, ids["round_id"])
    phone = app.test_client()
    assert shows_ballot(join(phone, app, ids["code"]))
    other = app.test_client()
    assert shows_ballot(join(other, app, ids["code"], organisation="UMC Utrecht"))
    assert vote(other, ids["code"], ids["round_id"], ids["item_ids"]).status_code in (200, 302)
    umc = max(_participants(app, ids["session_id"]), key=lambda p: p.id)  # joined second
    login()
    assert client.post(f"/beheer/deelnemers/{umc.id}/verwijderen").status_code == 302
    assert vote(phone, ids["code"], ids["round_id"], ids["item_ids"]).status_code in (200, 302)


def test_deleting_in_a_reopened_round_keeps_earlier_outcomes_verifiable(app, client, login, runner):
    from factories import close_round, open_round

    voted = voted_session(app, names=NAMES)
    open_round(app, voted["round_id"])  # re-opened: version 1 counted everyone
    gone = _participants(app, voted["session_id"])[0]
    login()
    assert client.post(f"/beheer/deelnemers/{gone.id}/verwijderen").status_code == 302
    verified = runner.invoke(args=["verify-outcomes"])
    assert verified.exit_code == 0, verified.output
    second = close_round(app, voted["round_id"])
    with app.app_context():
        assert db.session.get(Outcome, second).ballot_count == 3
    verified = runner.invoke(args=["verify-outcomes"])
    assert verified.exit_code == 0, verified.output


def test_purge_uses_the_session_date_and_today(app, runner):
    """A session 9 days ago is purged with 9 retention days, not with 10."""
    voted = voted_session(app, names=NAMES)
    app.config["RETENTION_DAYS"] = 10
    assert runner.invoke(args=["purge"]).output.startswith("0 sessies")
    app.config["RETENTION_DAYS"] = 9
    assert "opgeschoond: sessie" in runner.invoke(args=["purge"]).output
    assert {p.display_name for p in _participants(app, voted["session_id"])} == {None}
