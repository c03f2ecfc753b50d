"""Models, split by domain noun. Importing this package registers every table."""

from .access import SessionFacilitator
from .agenda import AgendaChange, AgendaEntry, AgendaStatus
from .api import ApiToken
from .audit import AuditEvent
from .base import Base, utcnow
from .catalogue import (
    CatalogueItem,
    CatalogueList,
    Coalition,
    FocusArea,
    Organisation,
    Phase,
    Pillar,
    Tier,
)
from .imports import BallotImport
from .outcomes import BallotWithdrawal, Outcome, OutcomeImmutableError
from .sessions import (
    Ballot,
    BallotMode,
    MeetingKind,
    Participant,
    RankingSession,
    Round,
    RoundItem,
    RoundResult,
    RoundState,
)
from .site import SiteText
from .users import LoginFailure, Role, User

__all__ = [
    "ApiToken",
    "AuditEvent",
    "BallotImport",
    "BallotWithdrawal",
    "AgendaChange",
    "AgendaEntry",
    "AgendaStatus",
    "LoginFailure",
    "Outcome",
    "OutcomeImmutableError",
    "Ballot",
    "BallotMode",
    "Base",
    "CatalogueItem",
    "CatalogueList",
    "Coalition",
    "FocusArea",
    "MeetingKind",
    "Organisation",
    "Participant",
    "Phase",
    "Pillar",
    "RankingSession",
    "Role",
    "Round",
    "SessionFacilitator",
    "RoundItem",
    "RoundResult",
    "RoundState",
    "SiteText",
    "Tier",
    "User",
    "utcnow",
]
