"""`flask verify-outcomes` recomputes every outcome and catches tampered ballots."""

from __future__ import annotations

from factories import close_round, open_round, outcomes, revote, run_round
from sqlalchemy import JSON, bindparam, select, text

from hhu_ranking.extensions import db
from hhu_ranking.models import Ballot
from hhu_ranking.models.outcomes import POSTGRES_GUARD, SQLITE_GUARD

ORDERS = [[0, 1, 2], [0, 2, 1], [1, 0, 2]]


def _verify(runner):
    return runner.invoke(args=["verify-outcomes"])


def _tamper_ballot(app, participant_id, ranking_indexes, round_id):
    """Change a ballot's ranking with plain SQL, behind the app's back."""
    with app.app_context():
        ballot = db.session.scalar(
            select(Ballot).where(
                Ballot.round_id == round_id, Ballot.participant_id == participant_id
            )
        )
        item_ids = [i.id for i in ballot.round.items]
        statement = text("UPDATE ballot SET ranking = :ranking WHERE id = :id").bindparams(
            bindparam("ranking", type_=JSON)
        )
        db.session.execute(
            statement, {"ranking": [item_ids[i] for i in ranking_indexes], "id": ballot.id}
        )
        db.session.commit()


def test_a_clean_database_verifies(app, runner, make_session):
    assert _verify(runner).exit_code == 0  # nothing stored yet is fine too
    first = make_session()
    second = make_session(
        items=(
            "Efficiënt organiseren",
            "Effectief inzetten",
            "Empathisch ontwerpen",
            "Ethisch doordenken",
        )
    )
    run_round(app, first["round_id"], ORDERS)
    run_round(app, second["round_id"], [[3, 2, 1, 0], [0, 1, 2, 3]])
    run_round(app, make_session()["round_id"], [])  # closed without ballots
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "3 uitkomsten gecontroleerd" in result.output


def test_a_ballot_changed_by_sql_after_close_is_caught(app, runner, make_session):
    ids = make_session()
    participants = run_round(app, ids["round_id"], ORDERS)
    other = make_session()
    run_round(app, other["round_id"], ORDERS)

    _tamper_ballot(app, participants[2], [2, 1, 0], ids["round_id"])

    result = _verify(runner)
    assert result.exit_code != 0
    assert f"ronde {ids['round_id']}," in result.output
    assert "ronde ‘Waarden’" in result.output
    assert f"deelnemer {participants[2]}" in result.output
    assert f"ronde {other['round_id']}," not in result.output  # the untouched one passes


def test_ballots_revised_in_a_reopened_round_are_not_tampering(app, runner, make_session):
    ids = make_session()
    participants = run_round(app, ids["round_id"], ORDERS)
    open_round(app, ids["round_id"])
    revote(app, ids["round_id"], participants[0], [2, 1, 0])
    # while the round is open again, version 1 still checks out against unrevised ballots
    assert _verify(runner).exit_code == 0
    close_round(app, ids["round_id"])
    assert len(outcomes(app, ids["round_id"])) == 2
    result = _verify(runner)
    assert result.exit_code == 0, result.output


def test_an_unrevised_ballot_behind_an_older_version_is_still_guarded(app, runner, make_session):
    ids = make_session()
    participants = run_round(app, ids["round_id"], ORDERS)
    open_round(app, ids["round_id"])
    # nobody revised participant 1's ballot since version 1: changing it is tampering
    _tamper_ballot(app, participants[1], [2, 1, 0], ids["round_id"])
    result = _verify(runner)
    assert result.exit_code != 0
    assert "versie 1" in result.output


def _without_guard(app, statement, params):
    """Run an UPDATE on outcome with the database guard lifted, then put the guard back."""
    with app.app_context():
        dialect = db.engine.dialect.name
        drop = "DROP TRIGGER outcome_no_update" + (" ON outcome" if dialect == "postgresql" else "")
        guard = POSTGRES_GUARD if dialect == "postgresql" else SQLITE_GUARD
        with db.engine.begin() as conn:
            conn.exec_driver_sql(drop)
            try:
                conn.execute(text(statement), params)
            finally:
                conn.exec_driver_sql(guard)


def test_a_changed_stored_result_is_caught(app, runner, make_session):
    ids = make_session()
    run_round(app, ids["round_id"], ORDERS)
    [outcome] = outcomes(app, ids["round_id"])
    forged = outcome["result"].replace('"ballot_count":3', '"ballot_count":4')
    assert forged != outcome["result"]
    _without_guard(
        app, "UPDATE outcome SET result = :r WHERE id = :id", {"r": forged, "id": outcome["id"]}
    )
    result = _verify(runner)
    assert result.exit_code != 0
    assert "andere uitslag" in result.output


def test_a_changed_snapshot_is_caught_by_its_digest(app, runner, make_session):
    ids = make_session()
    run_round(app, ids["round_id"], ORDERS)
    [outcome] = outcomes(app, ids["round_id"])
    first, second = ids["item_ids"][0], ids["item_ids"][1]
    forged = outcome["canonical_ballots"].replace(f"[{first},{second},", f"[{second},{first},", 1)
    assert forged != outcome["canonical_ballots"]
    _without_guard(
        app,
        "UPDATE outcome SET canonical_ballots = :b WHERE id = :id",
        {"b": forged, "id": outcome["id"]},
    )
    result = _verify(runner)
    assert result.exit_code != 0
    assert "SHA-256" in result.output
