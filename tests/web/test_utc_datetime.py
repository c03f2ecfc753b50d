"""Every moment a model hands back is aware UTC, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hhu_ranking.extensions import db
from hhu_ranking.models import RankingSession, Round


def test_moments_come_back_aware_in_utc_however_they_went_in(app, make_session):
    ids = make_session()
    amsterdam_summer = timezone(timedelta(hours=2))
    with app.app_context():
        round_ = db.session.get(Round, ids["round_id"])
        round_.opened_at = datetime(2030, 6, 1, 14, 0, tzinfo=amsterdam_summer)
        round_.closed_at = datetime(2030, 6, 1, 13, 0)  # naive: taken as UTC
        db.session.commit()
        db.session.expire_all()

        round_ = db.session.get(Round, ids["round_id"])
        assert round_.opened_at == datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
        assert round_.opened_at.utcoffset() == timedelta(0)
        assert round_.closed_at == datetime(2030, 6, 1, 13, 0, tzinfo=UTC)
        created = db.session.get(RankingSession, ids["session_id"]).created_at
        assert created.tzinfo is not None and created.utcoffset() == timedelta(0)
