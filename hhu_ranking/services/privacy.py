"""Privacy under the AVG (GDPR): collect little, keep it briefly, show it plainly.

What a participant leaves behind (see ``docs/privacy.md``): organisation,
pillar, a name only when the session asks for one (``RankingSession.ask_names``),
the join time, a SHA-256 of the cookie token and the ballots. Here:

* ``purge`` (``flask purge``): once a session is ``RETENTION_DAYS`` past its
  date, its participants lose their names and their token hashes (replaced by
  a value no token hashes to), so no phone, cookie or name leads to a ballot
  any more. The participant rows stay as anonymous numbers with organisation
  and pillar, so ballots and frozen outcomes stay as they were and every
  outcome still verifies. Idempotent: a purged session is not touched again.
* rights on request: find one participant of a session, export what is held
  about them (``participant_record``), or delete it (``delete_participant``).
  A ballot in an open round simply goes (the live result follows); in a closed
  round the frozen outcome stays and a new version is frozen without it, which
  records the withdrawal (``Outcome.withdrawn``).
* the privacy statement the kerngroep edits (``SiteText`` ``privacy``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from ..models import (
    Ballot,
    BallotWithdrawal,
    Organisation,
    Outcome,
    Participant,
    RankingSession,
    Round,
    RoundResult,
    RoundState,
    SiteText,
    User,
    utcnow,
)
from . import audit
from .errors import ServiceError
from .outcomes import freeze_outcome

PRIVACY_KEY = "privacy"
PRIVACY_MAX = 20_000
#: what a purged participant's ``token_hash`` starts with: never a hex SHA-256, so no token
#: (and no cookie) can match it again
PURGED_HASH_PREFIX = "purged-"


def unusable_token_hash() -> str:
    """A unique value for ``Participant.token_hash`` that no token's digest can equal."""
    return PURGED_HASH_PREFIX + secrets.token_hex(28)


# -- the privacy statement -----------------------------------------------------------------


def default_privacy_text(retention_days: int) -> str:
    """The statement until the kerngroep writes its own (in the request's language)."""
    return _(
        "Health Hub Utrecht gebruikt deze app om tijdens bijeenkomsten samen te rangschikken."
        "\n\n"
        "Wat we bewaren: per telefoon die meedoet je organisatie, je bloedgroep (pijler), "
        "het tijdstip van meedoen en je stemmen. Je naam alleen als de gespreksleider daarom "
        "vraagt en je hem invult. Geen IP-adres, geen gegevens over je telefoon, geen "
        "account. Je telefoon krijgt een willekeurige sleutel in een cookie; wij bewaren "
        "daarvan alleen een versleutelde afdruk."
        "\n\n"
        "Hoe lang: %(days)d dagen na de bijeenkomst halen we je naam en de sleutel weg. "
        "Daarna is je stem niet meer naar jou te herleiden. De anonieme stemmen (met "
        "organisatie en bloedgroep) en de uitslagen blijven bewaard, zodat elke uitslag "
        "controleerbaar blijft."
        "\n\n"
        "Wie het ziet: het grote scherm toont alleen aantallen en de uitslag, nooit namen. "
        "Gespreksleiders en de kerngroep zien de uitslagen en exports; namen alleen bij een "
        "ronde die vooraf op naam is gezet."
        "\n\n"
        "Je rechten: wil je weten wat er over jou is bewaard, of wil je het laten "
        "verwijderen? Vraag het de gespreksleider of de kerngroep. Een stem in een gesloten "
        "ronde wordt dan ingetrokken: de uitslag wordt opnieuw vastgelegd zonder jouw stem.",
        days=retention_days,
    )


def privacy_text(db: Session, retention_days: int) -> str:
    stored = db.get(SiteText, PRIVACY_KEY)
    return stored.body if stored is not None else default_privacy_text(retention_days)


def privacy_paragraphs(text: str) -> list[list[str]]:
    """Paragraphs (split on blank lines), each a list of lines: all a page needs to show it.

    The text is never read as HTML; templates escape every line.
    """
    paragraphs = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if lines:
            paragraphs.append(lines)
    return paragraphs


def save_privacy_text(db: Session, body: str, user: User | None) -> SiteText:
    """Store the kerngroep's statement. Only the kerngroep (or an admin) may."""
    if user is None or not user.can_manage_agenda:
        raise ServiceError(_l("Alleen de kerngroep mag de privacytekst aanpassen."), status=403)
    body = body.replace("\r\n", "\n").strip()
    if not body:
        raise ServiceError(_l("De privacytekst mag niet leeg zijn."))
    if len(body) > PRIVACY_MAX:
        raise ServiceError(_l("De privacytekst mag hoogstens %(n)s tekens hebben.", n=PRIVACY_MAX))
    stored = db.get(SiteText, PRIVACY_KEY)
    if stored is None:
        stored = SiteText(key=PRIVACY_KEY, body=body)
        db.add(stored)
    stored.body = body
    stored.updated_at = utcnow()
    stored.updated_by_id = user.id
    db.flush()
    audit.record(db, "privacy.text", actor=user)
    return stored


# -- asking names --------------------------------------------------------------------------


def set_ask_names(db: Session, ranking_session: RankingSession, ask: bool) -> None:
    """Whether the join form asks a name. Names given earlier stay until purge or deletion."""
    if ranking_session.purged_at is not None and ask:
        raise ServiceError(_l("Deze sessie is al opgeschoond."), status=409)
    ranking_session.ask_names = ask
    db.flush()
    audit.record(db, "session.ask_names", session_id=ranking_session.id, detail={"ask": ask})


# -- purge -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeItem:
    """One session that is (or would be) purged, and how much it held."""

    session_id: int
    title: str
    held_on: date
    participants: int
    names: int


def purge_cutoff(today: date, retention_days: int) -> date:
    """Sessions held on or before this day are past the retention period."""
    return today - timedelta(days=retention_days)


def sessions_to_purge(db: Session, today: date, retention_days: int) -> list[RankingSession]:
    return list(
        db.scalars(
            select(RankingSession)
            .where(
                RankingSession.purged_at.is_(None),
                RankingSession.held_on <= purge_cutoff(today, retention_days),
            )
            .order_by(RankingSession.held_on, RankingSession.id)
        )
    )


def purge(
    db: Session, *, today: date, retention_days: int, dry_run: bool = False
) -> list[PurgeItem]:
    """Remove names, tokens and the link to a person from sessions past retention.

    Returns what was (or, with ``dry_run``, would be) purged. Runs in the caller's
    transaction; a second run finds nothing left to do.
    """
    if retention_days < 0:
        raise ServiceError(_l("RETENTION_DAYS mag niet negatief zijn."))
    done = []
    for ranking_session in sessions_to_purge(db, today, retention_days):
        counts = db.execute(
            select(func.count(Participant.id), func.count(Participant.display_name)).where(
                Participant.session_id == ranking_session.id
            )
        ).one()
        done.append(
            PurgeItem(
                ranking_session.id,
                ranking_session.title,
                ranking_session.held_on,
                int(counts[0]),
                int(counts[1]),
            )
        )
        if dry_run:
            continue
        participant_ids = db.scalars(
            select(Participant.id).where(Participant.session_id == ranking_session.id)
        ).all()
        for participant_id in participant_ids:
            # one row at a time: every token hash must stay unique
            db.execute(
                update(Participant)
                .where(Participant.id == participant_id)
                .values(display_name=None, token_hash=unusable_token_hash())
            )
        ranking_session.joining_locked = True
        ranking_session.ask_names = False
        ranking_session.purged_at = utcnow()
        ranking_session.state_version += 1  # phones still polling learn the session changed
    db.flush()
    return done


# -- rights on request -----------------------------------------------------------------------


def find_participants(
    db: Session, ranking_session: RankingSession, query: str
) -> list[Participant]:
    """Participants of the session whose name or organisation contains ``query``."""
    query = " ".join(query.split())
    if not query:
        return []
    pattern = f"%{query.replace('%', '').replace('_', '')}%"
    return list(
        db.scalars(
            select(Participant)
            .outerjoin(Organisation, Participant.organisation_id == Organisation.id)
            .where(
                Participant.session_id == ranking_session.id,
                or_(
                    Participant.display_name.ilike(pattern),
                    Participant.organisation_other.ilike(pattern),
                    Organisation.name.ilike(pattern),
                ),
            )
            .options(selectinload(Participant.organisation), selectinload(Participant.pillar))
            .order_by(Participant.id)
            .limit(50)
        )
    )


def _ballots_of(db: Session, participant: Participant) -> list[Ballot]:
    return list(
        db.scalars(
            select(Ballot)
            .where(Ballot.participant_id == participant.id)
            .options(selectinload(Ballot.round).selectinload(Round.items))
            .order_by(Ballot.round_id)
        )
    )


def participant_record(db: Session, participant: Participant) -> dict[str, Any]:
    """Everything held about one participant, as JSON-ready data (no token hash)."""
    ranking_session = participant.session
    ballots = []
    for ballot in _ballots_of(db, participant):
        titles = {item.id: item.title for item in ballot.round.items}
        ballots.append(
            {
                "round_id": ballot.round_id,
                "round": ballot.round.title,
                "round_anonymous": ballot.round.anonymous,
                "ranking": [titles.get(int(i), str(i)) for i in ballot.ranking],
                "submitted_at": ballot.submitted_at.isoformat(),
                "updated_at": ballot.updated_at.isoformat(),
                "revision": ballot.revision,
            }
        )
    counted_in = [
        {"outcome_id": o.id, "round_id": o.round_id, "version": o.version_number}
        for o in _outcomes_counting(db, ranking_session.id, participant.id)
    ]
    return {
        "session": {
            "id": ranking_session.id,
            "title": ranking_session.title,
            "held_on": ranking_session.held_on.isoformat(),
            "purged_at": (
                ranking_session.purged_at.isoformat() if ranking_session.purged_at else None
            ),
        },
        "participant": {
            "id": participant.id,
            "name": participant.display_name,
            "organisation": participant.organisation_label,
            "pillar": participant.pillar.name_nl if participant.pillar else None,
            "joined_at": participant.joined_at.isoformat(),
            "imported_from_file": participant.ballot_import_id is not None,
        },
        "ballots": ballots,
        "counted_in_outcomes": counted_in,
        "not_stored": _(
            "Geen IP-adres, geen gegevens over de telefoon en niet de sleutel uit de cookie "
            "(alleen een SHA-256-afdruk ervan, die niet wordt meegegeven)."
        ),
    }


def _outcomes_counting(db: Session, session_id: int, participant_id: int) -> list[Outcome]:
    outcomes = db.scalars(
        select(Outcome)
        .join(Round, Outcome.round_id == Round.id)
        .where(Round.session_id == session_id)
        .order_by(Outcome.round_id, Outcome.version_number)
    )
    return [o for o in outcomes if any(b["participant_id"] == participant_id for b in o.ballots)]


@dataclass(frozen=True)
class Deletion:
    """What deleting one participant did."""

    open_rounds: list[int]
    #: the new outcome versions frozen without the participant's ballot
    new_outcomes: list[int]


def delete_participant(db: Session, participant: Participant) -> Deletion:
    """Delete a participant and their ballots, on request (the right to erasure).

    A ballot in an open (or draft) round just goes and the round's live result is
    computed afresh. A ballot in a closed round goes too; the frozen outcome stays as
    it was and a new version is frozen without it, recording the withdrawal.
    """
    open_rounds: list[int] = []
    new_outcomes: list[int] = []
    closed: list[Round] = []
    for ballot in _ballots_of(db, participant):
        if ballot.round.state is RoundState.CLOSED:
            closed.append(ballot.round)
        else:
            open_rounds.append(ballot.round_id)
    round_ids = open_rounds + [r.id for r in closed]
    db.execute(delete(Ballot).where(Ballot.participant_id == participant.id))
    if round_ids:
        # the cache is keyed on the ballots' version; start the round afresh
        db.execute(
            update(RoundResult)
            .where(RoundResult.round_id.in_(round_ids))
            .values(version=0, claimed_version=0, payload="")
        )
    participant_id, session_id = participant.id, participant.session_id
    db.delete(participant)
    db.flush()
    # the number only: nothing of the person (a name, a token) goes into the audit log
    audit.record(
        db,
        "participant.delete",
        session_id=session_id,
        detail={"rounds": len(round_ids)},
    )
    for round_id in open_rounds:
        # the round's next close freezes a version without the ballot
        db.add(BallotWithdrawal(round_id=round_id, participant_id=participant_id))
    for round_ in closed:
        outcome = freeze_outcome(db, round_, withdrawn=[participant_id])
        db.add(
            BallotWithdrawal(
                round_id=round_.id, participant_id=participant_id, outcome_id=outcome.id
            )
        )
        new_outcomes.append(outcome.id)
    db.flush()
    return Deletion(open_rounds, new_outcomes)
