"""The round lifecycle and editing rules, straight through the services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from clock import SESSION_DAY, days_from_today
from factories import add_participant
from sqlalchemy import select

from hhu_ranking.extensions import db
from hhu_ranking.models import (
    BallotMode,
    CatalogueList,
    MeetingKind,
    RankingSession,
    Round,
    RoundState,
)
from hhu_ranking.services import rounds as service
from hhu_ranking.services.ballots import cast_ballot
from hhu_ranking.services.errors import ServiceError
from hhu_ranking.services.rounds import ItemSpec
from hhu_ranking.services.sessions import create_session, sessions_by_date


@pytest.fixture
def ctx(app: Any) -> Iterator[Any]:
    with app.app_context():
        yield db.session


def _session(title: str = "Netwerkbijeenkomst", held_on: date = SESSION_DAY) -> Any:
    return create_session(db.session, title=title, held_on=held_on, kind=MeetingKind.NETWORK)


def _round(
    ranking_session: Any,
    title: str = "Waarden",
    items: tuple[str, ...] = ("Mensgericht", "Missiegedreven", "Regiobreed"),
    **kwargs: Any,
) -> Round:
    return service.add_round(
        db.session, ranking_session, title=title, items=[ItemSpec(t) for t in items], **kwargs
    )


def _vote(ranking_session: Any, round_: Round, order: list[int]) -> None:
    participant, _token = add_participant(ranking_session)
    cast_ballot(db.session, round_, participant, order)


def test_open_round_refuses_a_second_open_round_in_the_session(ctx):
    ranking_session = _session()
    first, second = _round(ranking_session, "Waarden"), _round(ranking_session, "Spelregels")
    service.open_round(ctx, first)
    with pytest.raises(ServiceError) as refused:
        service.open_round(ctx, second)
    assert refused.value.status == 409
    assert "Waarden" in refused.value.message
    ctx.refresh(second)
    assert second.state is RoundState.DRAFT
    # another session's open round does not stand in the way
    other = _round(_session("Trekkersoverleg"))
    service.open_round(ctx, other)
    assert other.state is RoundState.OPEN


def test_opening_an_open_round_again_is_refused(ctx):
    round_ = _round(_session())
    service.open_round(ctx, round_)
    with pytest.raises(ServiceError, match="al open"):
        service.open_round(ctx, round_)


@pytest.mark.parametrize("opened_first", [False, True])
def test_closing_a_round_that_is_not_open_is_refused(ctx, opened_first):
    round_ = _round(_session())
    if opened_first:  # open, close, then close again
        service.open_round(ctx, round_)
        service.close_round(ctx, round_)
    version = round_.version
    with pytest.raises(ServiceError, match="niet open") as refused:
        service.close_round(ctx, round_)
    assert refused.value.status == 409
    ctx.refresh(round_)
    assert round_.version == version
    assert round_.state is (RoundState.CLOSED if opened_first else RoundState.DRAFT)


def test_open_close_and_reopen_bump_round_version_and_session_state_version(ctx):
    ranking_session = _session()
    round_ = _round(ranking_session)
    ctx.refresh(ranking_session)
    seen = [(round_.version, ranking_session.state_version)]
    for step in (service.open_round, service.close_round, service.open_round):
        step(ctx, round_)
        ctx.refresh(ranking_session)
        seen.append((round_.version, ranking_session.state_version))
    versions = [v for v, _ in seen]
    state_versions = [s for _, s in seen]
    assert versions == sorted(set(versions)), seen
    assert state_versions == sorted(set(state_versions)), seen
    assert round_.state is RoundState.OPEN
    assert round_.opened_at is not None and round_.closed_at is None


def test_reopening_keeps_the_ballots_already_cast(ctx):
    ranking_session = _session()
    round_ = _round(ranking_session)
    service.open_round(ctx, round_)
    _vote(ranking_session, round_, [i.id for i in round_.items])
    service.close_round(ctx, round_)
    service.open_round(ctx, round_)
    assert service.ballot_counts(ctx, [round_.id]) == {round_.id: 1}


def test_settings_change_bumps_version_so_the_screen_refetches(ctx):
    round_ = _round(_session())
    version = round_.version
    service.update_settings(
        ctx,
        round_,
        service.RoundSettings(
            title="Waarden",
            mode=BallotMode.FULL,
            top_k=None,
            results_live=False,
            anonymous=True,
        ),
    )
    ctx.refresh(round_)
    assert round_.version > version and round_.results_live is False


def test_items_from_lines_reads_titles_and_explanations():
    text = (
        "Mensgericht | de eindgebruiker staat centraal\n\n"
        "- Regiobreed\n"
        "  Designbewust |  \n"
        "• Efficiënt organiseren | slim | zuinig\n"
    )
    assert service.items_from_lines(text) == [
        ItemSpec("Mensgericht", "de eindgebruiker staat centraal"),
        ItemSpec("Regiobreed"),
        ItemSpec("Designbewust"),
        ItemSpec("Efficiënt organiseren", "slim | zuinig"),
    ]


def _edit(
    ctx,
    round_,
    items,
    *,
    title="Waarden",
    top_k=None,
    results_live=True,
    anonymous=True,
):
    """``edit_draft_round`` with ``items`` (titles or ItemSpecs); a top-k round when given a k."""
    settings = service.RoundSettings(
        title=title,
        mode=BallotMode.FULL if top_k is None else BallotMode.TOP_K,
        top_k=top_k,
        results_live=results_live,
        anonymous=anonymous,
    )
    service.edit_draft_round(
        ctx, round_, settings, [i if isinstance(i, ItemSpec) else ItemSpec(i) for i in items]
    )


def test_edit_draft_round_measures_k_against_the_new_items(ctx):
    round_ = _round(_session(), items=("A", "B", "C"))
    # k = 4 would be refused against the old three items: checked together, it is fine
    _edit(ctx, round_, "FEDCBA", title="Nieuw", top_k=4, results_live=False, anonymous=False)
    ctx.refresh(round_)
    assert [i.title for i in round_.items] == list("FEDCBA")
    assert [i.position for i in round_.items] == list(range(6))
    assert (round_.title, round_.mode, round_.top_k) == ("Nieuw", BallotMode.TOP_K, 4)
    with pytest.raises(ServiceError, match="k van 1 tot 2"):
        _edit(ctx, round_, "ABC", title="Nieuw", top_k=4)


def test_edit_draft_round_keeps_only_real_catalogue_links(ctx):
    waarden = ctx.scalar(select(CatalogueList).where(CatalogueList.key == "waarden"))
    real = waarden.items[0]
    round_ = _round(_session())
    _edit(ctx, round_, [ItemSpec(real.title, "", real.id), ItemSpec("Verzonnen", "", 999_999)])
    ctx.flush()
    assert [i.catalogue_item_id for i in round_.items] == [real.id, None]


def test_items_cannot_change_once_a_round_has_opened(ctx):
    round_ = _round(_session())
    service.open_round(ctx, round_)
    titles = [i.title for i in round_.items]
    with pytest.raises(ServiceError, match="liggen vast") as refused:
        _edit(ctx, round_, ["Een", "Twee"], title="X")
    assert refused.value.status == 409
    ctx.refresh(round_)
    assert [i.title for i in round_.items] == titles


def test_only_draft_rounds_can_be_deleted(ctx):
    ranking_session = _session()
    draft, opened = _round(ranking_session, "Weg"), _round(ranking_session, "Blijft")
    service.open_round(ctx, opened)
    service.delete_round(ctx, draft)
    with pytest.raises(ServiceError, match="bewaard"):
        service.delete_round(ctx, opened)
    ctx.expire_all()
    assert [r.title for r in ctx.get(RankingSession, ranking_session.id).rounds] == ["Blijft"]


def test_sessions_by_date_splits_upcoming_and_past(ctx):
    _session("Vorig jaar", days_from_today(-365))
    _session("Vandaag", days_from_today(0))
    _session("Volgende maand", days_from_today(30))
    _session("Vorige maand", days_from_today(-31))
    upcoming, past = sessions_by_date(ctx, days_from_today(0))
    assert [s.title for s in upcoming] == ["Vandaag", "Volgende maand"]
    assert [s.title for s in past] == ["Vorige maand", "Vorig jaar"]
