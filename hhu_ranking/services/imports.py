"""Reading ballots from a file into an open round: paper ballots, or another tool's results.

Which round
-----------
Only an **open** round takes imported ballots, exactly like ballots from
phones. To add paper ballots to a round that has closed, re-open it, read
the file in and close it again: that freezes a new outcome version, and the
earlier version stays as it was. A draft round cannot take ballots yet.

Formats
-------
*CSV* (the same layout as the "Stemmen" export, so an export can be read in
elsewhere): a header row, then one row per ballot. Columns ``Plaats 1``,
``Plaats 2``, ... (or ``rank1``, ``Place 1``, ...) hold item titles, best
first, exactly as the round names them (capitals and extra spaces do not
matter). A top-k round fills only the first k; a full round fills them all.
Optional columns ``Organisatie`` and ``Pijler`` say where the ballot came
from; every other column (``Ronde``, ``Stem``, ``Via``, ...) is ignored.
Commas, semicolons or tabs separate the cells; UTF-8 (Windows-1252 is
accepted too, as Excel saves it).

*PrefLib* (``.soc``, ``.soi``, ``.toc``, ``.toi``; see ``aggregation.preflib``):
every ``# ALTERNATIVE NAME`` must be an item of the round; an order with
count ``c`` is ``c`` ballots. Ties are refused: a ballot in this app is a
strict ranking.

All or nothing
--------------
Every ballot goes through the same rules as a phone's
(``ballots.validate_ranking``), every problem is reported with its line
number, and a file with any problem stores nothing. Each imported ballot
gets a participant of its own (an unguessable token that is never handed
out) linked to a ``BallotImport`` that records the file's name, SHA-256, who
read it in and when. The same file cannot be read into the same round twice.

Bounded, and short in the write lock
------------------------------------
A file holds at most ``IMPORT_MAX_BALLOTS`` ballots (5,000 by default; a
PrefLib count of ``c`` counts as ``c``); a bigger one is refused whole. Reading
and checking (``prepare_import``) happens before the write transaction, so it
holds no lock; ``store_import`` then writes the participants and the ballots
in one bulk INSERT each, which keeps the write lock (SQLite has one for the
whole database) for a fraction of a second instead of one statement per
ballot: phones voting in other sessions meanwhile wait for that, not longer.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ..aggregation.preflib import DATA_TYPES, PrefLibError, parse_preflib
from ..models import (
    Ballot,
    BallotImport,
    Organisation,
    Participant,
    Pillar,
    Round,
    RoundState,
    User,
    utcnow,
)
from . import audit
from .ballots import validate_ranking
from .codes import new_participant_token, token_digest
from .errors import ServiceError
from .text import clean_line, text_key

#: the largest file accepted (a few thousand ballots fit easily)
MAX_BYTES = 1_000_000
#: the most ballots one file may hold (PrefLib counts included) unless the config's
#: ``IMPORT_MAX_BALLOTS`` says otherwise: more would hold the database's write lock long
#: enough to stall voting in other sessions
MAX_BALLOTS = 5000
#: report at most this many problems; a file with more is probably the wrong file
MAX_PROBLEMS = 50
#: the organisation of an imported ballot that names none
PAPER_ORGANISATION = "Papieren stembiljet"
ORGANISATION_MAX = 200

_RANK_HEADER = re.compile(r"(?:plaats|rank|place|positie|position)\s*([0-9]{1,4})", re.IGNORECASE)
_ORGANISATION_HEADERS = {"organisatie", "organisation", "organization"}
_PILLAR_HEADERS = {"pijler", "pillar", "bloedgroep"}
#: what a ballot export writes for a pillar below the privacy floor (``exports.floor_groups``)
_MERGED_PILLARS = {"overig", "other"}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_ALTERNATIVE_NAME = re.compile(r"#\s*ALTERNATIVE\s+NAME\s+([0-9]{1,9})\s*:", re.IGNORECASE)
_COUNT_HEADER = re.compile(r"#\s*NUMBER\s+(VOTERS|UNIQUE\s+ORDERS)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """Why one line of the file cannot be read in."""

    line: int | None
    message: str


class ImportRefused(ServiceError):
    """The file has problems; nothing was stored. ``problems`` lists them by line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(
            _("Het bestand is niet ingelezen: los eerst de fouten hieronder op."), status=422
        )
        self.problems = list(problems)


@dataclass
class ParsedBallot:
    line: int
    ranking: list[int]
    organisation_id: int | None = None
    organisation_other: str | None = None
    pillar_id: int | None = None
    #: how many voters gave this ballot (PrefLib counts; 1 for CSV rows)
    count: int = 1


@dataclass
class _Reading:
    problems: list[Problem] = field(default_factory=list)
    ballots: list[ParsedBallot] = field(default_factory=list)

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(line, message))


def _key(title: str) -> str:
    return text_key(title)


def _item_lookup(round_: Round) -> dict[str, int]:
    return {_key(item.title): item.id for item in round_.items}


def _item_id(lookup: dict[str, int], cell: str) -> int | None:
    found = lookup.get(_key(cell))
    if found is None and cell.startswith("'") and cell[1:].startswith(_FORMULA_STARTS):
        # a title our own CSV export protected against formula injection
        found = lookup.get(_key(cell[1:]))
    return found


def _check_ranking(reading: _Reading, round_: Round, line: int, ranking: list[int]) -> bool:
    try:
        validate_ranking(round_, ranking)
    except ServiceError as exc:
        reading.problem(line, exc.message)
        return False
    return True


def _decode(data: bytes, *, fallback: bool) -> str:
    """The file as text: UTF-8, or for CSV (``fallback``) Windows-1252 as Excel saves it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        if not fallback:
            line = data[: utf8_error.start].count(b"\n") + 1
            raise ImportRefused([Problem(line, _("Deze regel is geen UTF-8-tekst."))]) from None
    try:
        return data.decode("cp1252", errors="strict")
    except UnicodeDecodeError as cp1252_error:
        # a byte such as 0x81 is neither: name the line that has it
        line = data[: cp1252_error.start].count(b"\n") + 1
        message = _(
            "Deze regel is geen tekst in UTF-8 of Windows-1252. Sla het bestand op als "
            "‘CSV UTF-8’ en probeer het opnieuw."
        )
        raise ImportRefused([Problem(line, message)]) from None


# -- CSV -----------------------------------------------------------------------------------


def _delimiter(text: str) -> str:
    first = next((line for line in _NEWLINE.split(text) if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _organisation(
    db: Session,
    reading: _Reading,
    line: int,
    text: str,
    ballot: ParsedBallot,
    known: dict[str, int | None],
) -> None:
    name = clean_line(text)
    if not name:
        ballot.organisation_other = PAPER_ORGANISATION
        return
    if len(name) > ORGANISATION_MAX:
        reading.problem(
            line, _("De naam van de organisatie is langer dan %(n)d tekens.", n=ORGANISATION_MAX)
        )
        return
    if name.lower() not in known:  # one query per organisation, not per line
        known[name.lower()] = db.scalar(
            select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
        )
    match = known[name.lower()]
    if match is not None:
        ballot.organisation_id = match
    else:
        ballot.organisation_other = name


def _pillar(
    pillars: dict[str, int],
    reading: _Reading,
    line: int,
    text: str,
    ballot: ParsedBallot,
    names: Sequence[str],
) -> None:
    name = _key(text)
    # "overig": a ballot export's pillar merged under the privacy floor, so no pillar
    if not name or name in _MERGED_PILLARS:
        return
    if name not in pillars:
        reading.problem(
            line,
            _(
                "‘%(name)s’ is geen pijler. Kies uit: %(choices)s.",
                name=text.strip(),
                choices=", ".join(names),
            ),
        )
        return
    ballot.pillar_id = pillars[name]


def _pillar_lookup(db: Session) -> tuple[dict[str, int], list[str]]:
    """Pillars by key, Dutch or English name (any case), and their names in the UI's language."""
    english = str(get_locale() or "nl").startswith("en")
    lookup: dict[str, int] = {}
    names = []
    for pillar in db.scalars(select(Pillar).order_by(Pillar.position)):
        names.append(pillar.name_en if english else pillar.name_nl)
        for name in (pillar.key, pillar.name_nl, pillar.name_en):
            lookup[_key(name)] = pillar.id
    return lookup, names


def parse_csv(db: Session, round_: Round, text: str, *, limit: int | None = None) -> _Reading:
    """Read a CSV file of ballots (see the module docstring). Never raises for bad lines.

    Stops after ``limit + 1`` good ballots: a file that big is refused anyway.
    """
    reading = _Reading()
    organisations: dict[str, int | None] = {}
    lookup = _item_lookup(round_)
    pillars, pillar_names = _pillar_lookup(db)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    header: list[str] | None = None
    header_line = 0
    rank_columns: list[int] = []
    organisation_column = pillar_column = None
    last_line = 0
    try:
        for row in reader:
            line = last_line + 1  # where this record starts (a quoted cell may span lines)
            last_line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header, header_line = row, line
                ranks: dict[int, int] = {}
                for column, name in enumerate(row):
                    label = " ".join(name.split()).removeprefix("\ufeff")
                    match = _RANK_HEADER.fullmatch(label)
                    if match:
                        ranks[int(match.group(1))] = column
                    elif label.casefold() in _ORGANISATION_HEADERS:
                        organisation_column = column
                    elif label.casefold() in _PILLAR_HEADERS:
                        pillar_column = column
                if not ranks:
                    reading.problem(
                        line, _("De kopregel heeft geen kolommen ‘Plaats 1’, ‘Plaats 2’, …")
                    )
                    return reading
                if sorted(ranks) != list(range(1, len(ranks) + 1)):
                    reading.problem(
                        line,
                        _(
                            "De kolommen ‘Plaats …’ moeten doorlopen vanaf "
                            "‘Plaats 1’, zonder gaten."
                        ),
                    )
                    return reading
                rank_columns = [ranks[n] for n in sorted(ranks)]
                continue
            if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
                reading.problem(line, _("Deze regel heeft meer cellen dan de kopregel."))
                continue
            cells = [row[c].strip() if c < len(row) else "" for c in rank_columns]
            filled = len(cells)
            while filled and not cells[filled - 1]:
                filled -= 1
            if not all(cells[:filled]):
                gap = cells.index("") + 1
                reading.problem(
                    line, _("Plaats %(n)d is leeg, terwijl een latere plaats is ingevuld.", n=gap)
                )
                continue
            ranking: list[int] = []
            unknown = False
            for cell in cells[:filled]:
                item_id = _item_id(lookup, cell)
                if item_id is None:
                    reading.problem(
                        line, _("‘%(title)s’ is geen onderdeel van deze ronde.", title=cell)
                    )
                    unknown = True
                    break
                ranking.append(item_id)
            if unknown or not _check_ranking(reading, round_, line, ranking):
                continue
            ballot = ParsedBallot(line, ranking)
            before = len(reading.problems)
            organisation = (
                row[organisation_column]
                if organisation_column is not None and organisation_column < len(row)
                else ""
            )
            _organisation(db, reading, line, organisation, ballot, organisations)
            if pillar_column is not None and pillar_column < len(row):
                _pillar(pillars, reading, line, row[pillar_column], ballot, pillar_names)
            if len(reading.problems) == before:
                reading.ballots.append(ballot)
            if len(reading.problems) >= MAX_PROBLEMS:
                break
            if limit is not None and len(reading.ballots) > limit:
                break
    except csv.Error as error:
        reading.problem(
            reader.line_num or last_line + 1,
            _("Deze regel is geen geldige CSV: %(error)s", error=str(error)),
        )
    if header is None:
        reading.problem(header_line or 1, _("Het bestand is leeg."))
    return reading


# -- PrefLib -------------------------------------------------------------------------------


def _preflib_problem(error: PrefLibError) -> str:
    return str(_("Dit is geen geldige PrefLib-regel (%(detail)s).", detail=error.message))


def parse_preflib_ballots(round_: Round, text: str, data_type: str) -> _Reading:
    """Read a PrefLib file of ballots (see the module docstring). Never raises for bad lines.

    ``aggregation.preflib`` stops at the first malformed line; to report every
    one, that line is blanked (line numbers stay the same) and the file read
    again, without the voter counts in the header, which no longer add up.
    """
    reading = _Reading()
    lines = _NEWLINE.split(text.removeprefix("\ufeff"))
    body_start = next(
        (i for i, raw in enumerate(lines) if raw.strip() and not raw.strip().startswith("#")),
        len(lines),
    )
    data = None
    while data is None and len(reading.problems) < MAX_PROBLEMS:
        try:
            data = parse_preflib("\n".join(lines), data_type=data_type)
        except PrefLibError as error:
            reading.problem(error.line, _preflib_problem(error))
            if error.line is None or error.line - 1 < body_start:
                return reading  # a broken header: the orders cannot be read at all
            lines[error.line - 1] = ""
            for index in range(body_start):
                if _COUNT_HEADER.match(lines[index].strip()):
                    lines[index] = ""
    if data is None:
        return reading

    name_lines = {}
    for index, raw in enumerate(lines[:body_start]):
        match = _ALTERNATIVE_NAME.match(raw.strip())
        if match:
            name_lines[int(match.group(1))] = index + 1
    lookup = _item_lookup(round_)
    items: dict[int, int] = {}
    used: dict[int, int] = {}
    for alternative, name in enumerate(data.profile.alternatives):
        line = name_lines.get(alternative + 1)
        item_id = _item_id(lookup, name)
        if item_id is None:
            reading.problem(line, _("‘%(title)s’ is geen onderdeel van deze ronde.", title=name))
        elif item_id in used:
            reading.problem(
                line, _("‘%(title)s’ staat twee keer in de lijst met namen.", title=name)
            )
        else:
            items[alternative] = item_id
            used[item_id] = alternative
    if len(items) != data.profile.n:
        return reading

    order_lines = [i + 1 for i in range(body_start, len(lines)) if lines[i].strip()]
    for line, ballot in zip(order_lines, data.profile.ballots, strict=True):
        if not ballot.is_strict():
            reading.problem(
                line,
                _(
                    "Deze stem heeft gedeelde plaatsen; een stem hier is een "
                    "volgorde zonder gelijke plaatsen."
                ),
            )
            continue
        ranking = [items[tier[0]] for tier in ballot.tiers]
        if _check_ranking(reading, round_, line, ranking):
            reading.ballots.append(
                ParsedBallot(
                    line, ranking, organisation_other=PAPER_ORGANISATION, count=round(ballot.weight)
                )
            )
    return reading


# -- reading a file in ---------------------------------------------------------------------


def file_format(filename: str) -> str:
    """``csv`` or a PrefLib type, from the file's extension."""
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix == "csv" or suffix in DATA_TYPES:
        return suffix
    raise ImportRefused(
        [
            Problem(
                None,
                _("Kies een CSV-bestand (.csv) of een PrefLib-bestand (.soc, .soi, .toc of .toi)."),
            )
        ]
    )


def check_round(round_: Round) -> None:
    """Only an open round takes imported ballots (see the module docstring)."""
    if round_.state is not RoundState.OPEN:
        raise ServiceError(
            _(
                "Stemmen inlezen kan alleen in een open ronde. Is de ronde al gesloten? Open haar "
                "opnieuw, lees de stemmen in en sluit haar weer: de uitslag krijgt dan een nieuwe "
                "versie."
            ),
            status=409,
        )


def max_ballots() -> int:
    """The most ballots one file may hold (``IMPORT_MAX_BALLOTS``)."""
    return int(current_app.config.get("IMPORT_MAX_BALLOTS", MAX_BALLOTS))


def read_file(db: Session, round_: Round, filename: str, data: bytes) -> list[ParsedBallot]:
    """Parse and check a file against the round; raises ``ImportRefused`` listing every problem."""
    kind = file_format(filename)
    limit = max_ballots()
    if len(data) > MAX_BYTES:
        raise ImportRefused(
            [Problem(None, _("Het bestand is groter dan %(n)d kB.", n=MAX_BYTES // 1000))]
        )
    if kind == "csv":
        reading = parse_csv(db, round_, _decode(data, fallback=True), limit=limit)
    else:
        reading = parse_preflib_ballots(round_, _decode(data, fallback=False), kind)
    problems = sorted(reading.problems, key=lambda p: p.line or 0)
    if len(problems) >= MAX_PROBLEMS:
        problems = problems[:MAX_PROBLEMS] + [
            Problem(
                None, _("En misschien meer: na %(n)d fouten is het lezen gestopt.", n=MAX_PROBLEMS)
            )
        ]
    total = sum(b.count for b in reading.ballots)
    if total > limit:
        # the file is refused whole, whatever else is wrong with it
        problems = [
            Problem(
                None,
                _(
                    "Het bestand bevat meer dan %(max)d stemmen. Eén bestand mag er hoogstens "
                    "%(max)d bevatten: splits het in kleinere bestanden. Er is niets ingelezen.",
                    max=limit,
                ),
            )
        ]
    if not problems and not reading.ballots:
        problems = [Problem(None, _("Het bestand bevat geen stemmen."))]
    if problems:
        raise ImportRefused(problems)
    return reading.ballots


@dataclass(frozen=True)
class PreparedImport:
    """A file read and checked against its round, ready to be stored."""

    file_name: str
    file_format: str
    file_sha256: str
    ballots: list[ParsedBallot]

    @property
    def ballot_count(self) -> int:
        return sum(b.count for b in self.ballots)


def prepare_import(db: Session, round_: Round, filename: str, data: bytes) -> PreparedImport:
    """Read and check a file of ballots: all the work, before any write (reads only).

    Raises ``ImportRefused`` (every problem by line) or a ``ServiceError``.
    """
    check_round(round_)
    ballots = read_file(db, round_, filename, data)
    return PreparedImport(
        file_name=PurePath(filename).name[:255],
        file_format=file_format(filename),
        file_sha256=hashlib.sha256(data).hexdigest(),
        ballots=ballots,
    )


def store_import(db: Session, round_: Round, user: User, prepared: PreparedImport) -> BallotImport:
    """Store a prepared file's ballots in the open round: one bulk INSERT each for the
    participants and the ballots, so the write lock is held briefly.

    Flushes but does not commit: the view's unit of work commits once, or rolls back.
    """
    earlier = db.scalar(
        select(BallotImport).where(
            BallotImport.round_id == round_.id, BallotImport.file_sha256 == prepared.file_sha256
        )
    )
    if earlier is not None:
        raise ServiceError(
            _("Dit bestand is al ingelezen in deze ronde (door %(name)s).", name=earlier.user_name),
            status=409,
        )
    now = utcnow()
    record = BallotImport(
        round_id=round_.id,
        user_id=user.id,
        user_name=user.name,
        file_name=prepared.file_name,
        file_format=prepared.file_format,
        file_sha256=prepared.file_sha256,
        ballot_count=prepared.ballot_count,
        imported_at=now,
    )
    db.add(record)
    db.flush()  # on SQLite this write takes the lock: the check below cannot be overtaken
    still_open = db.scalar(
        select(Round.id)
        .where(Round.id == round_.id, Round.state == RoundState.OPEN)
        .with_for_update(read=True)  # FOR SHARE on PostgreSQL: a close waits for this import
    )
    if still_open is None:
        check_round(round_)  # closed meanwhile: its message
        raise ServiceError(_("Deze ronde is niet open."), status=409)
    copies = [parsed for parsed in prepared.ballots for _copy in range(parsed.count)]
    participant_ids = db.scalars(
        insert(Participant).returning(Participant.id, sort_by_parameter_order=True),
        [
            {
                "session_id": round_.session_id,
                # a token nobody receives: the participant exists only for this ballot
                "token_hash": token_digest(new_participant_token()),
                "organisation_id": parsed.organisation_id,
                "organisation_other": parsed.organisation_other,
                "pillar_id": parsed.pillar_id,
                "ballot_import_id": record.id,
                "joined_at": now,
            }
            for parsed in copies
        ],
    ).all()
    rows: list[dict[str, object]] = [
        {
            "round_id": round_.id,
            "participant_id": participant_id,
            "ranking": list(parsed.ranking),
            "submitted_at": now,
            "updated_at": now,
            "revision": 1,
        }
        for participant_id, parsed in zip(participant_ids, copies, strict=True)
    ]
    if db.get_bind().dialect.name != "postgresql":
        # SQLite takes MAX + 1 per statement; under its write lock, number the rows here
        base = int(db.scalar(select(func.coalesce(func.max(Ballot.seq), 0))) or 0)
        for offset, row in enumerate(rows, start=1):
            row["seq"] = base + offset
    db.execute(insert(Ballot), rows)
    audit.record(
        db,
        "import",
        actor=user,
        session_id=round_.session_id,
        round_id=round_.id,
        detail={
            "file": record.file_name,
            "format": record.file_format,
            "ballots": record.ballot_count,
            "sha256": record.file_sha256,
        },
    )
    return record


def import_ballots(
    db: Session, round_: Round, user: User, filename: str, data: bytes
) -> BallotImport:
    """Read a file of ballots into an open round: all of it, or (on any problem) nothing.

    ``prepare_import`` then ``store_import`` in one go (the view runs the first before
    its unit of work). Flushes but does not commit.
    """
    return store_import(db, round_, user, prepare_import(db, round_, filename, data))


def imports_of_round(db: Session, round_id: int) -> list[BallotImport]:
    return list(
        db.scalars(
            select(BallotImport)
            .where(BallotImport.round_id == round_id)
            .order_by(BallotImport.imported_at.desc(), BallotImport.id.desc())
        )
    )
