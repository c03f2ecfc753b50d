"""Verification's findings are translated sentences: Dutch by default, English on request."""

from __future__ import annotations

from factories import run_round
from flask_babel import refresh
from sqlalchemy import JSON, bindparam, select, text

from hhu_ranking.extensions import db
from hhu_ranking.models import Ballot
from hhu_ranking.services.verification import verify_all


def test_a_finding_reads_in_the_requests_language(app, make_session):
    ids = make_session()
    participants = run_round(app, ids["round_id"], [[0, 1, 2], [2, 1, 0]])
    with app.app_context():
        ballot = db.session.scalar(select(Ballot).where(Ballot.participant_id == participants[0]))
        statement = text("UPDATE ballot SET ranking = :ranking WHERE id = :id").bindparams(
            bindparam("ranking", type_=JSON)
        )
        db.session.execute(statement, {"ranking": list(reversed(ballot.ranking)), "id": ballot.id})
        db.session.commit()

        _checked, (finding,) = verify_all(db.session)
        assert finding.label.startswith("sessie ‘Netwerkbijeenkomst’, ronde ‘Waarden’")
        assert [str(p) for p in finding.problems] == [
            f"stemmen in de stemmentabel zijn veranderd na het sluiten "
            f"(deelnemer {participants[0]})"
        ]
        with app.test_request_context("/?lang=en"):
            refresh()  # as every request does (the app context cached the Dutch locale)
            assert finding.label.startswith("session ‘Netwerkbijeenkomst’, round ‘Waarden’")
            assert [str(p) for p in finding.problems] == [
                f"ballots in the ballot table were changed after closing "
                f"(participant {participants[0]})"
            ]
