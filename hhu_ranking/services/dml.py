"""Bulk UPDATE and DELETE statements, and how many rows they matched."""

from __future__ import annotations

from sqlalchemy import CursorResult, Delete, Update
from sqlalchemy.orm import Session


def rows_matched(session: Session, statement: Update | Delete) -> int:
    """Run a bulk ``UPDATE`` or ``DELETE`` and return the number of rows it matched."""
    result = session.execute(statement)
    # DML always gives a CursorResult (it has the row count); execute() is typed for SELECTs
    assert isinstance(result, CursorResult)
    return result.rowcount
