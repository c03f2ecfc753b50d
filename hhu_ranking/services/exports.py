"""What the exports hold: headers and rows per table, JSON documents and PrefLib files.

Everything here is built from *frozen outcomes* (``models.Outcome``), never
from the live ballot table: an export of a round is the export of one outcome
version (the newest unless another is asked for), so it matches what the
outcome page shows and what ``flask verify-outcomes`` checks. A session's
export holds the newest outcome of each of its rounds that has one.

Privacy
-------
* Participant tokens and their hashes are never read here, so they cannot
  leak into an export.
* Ballots are identified by a sequential number per outcome (1, 2, ... in
  the canonical order of ``services.outcomes``: ascending internal
  participant id). Internal participant ids are left out on purpose: they are
  the same across the rounds of a session, so they would link one person's
  ballots together.
* Each ballot carries the participant's organisation and pillar: these are
  not personal data, and the partners asked to see differences of view per
  organisation and pillar. A pillar fewer voters of the outcome share than the
  breakdown's privacy floor (``BREAKDOWN_MIN_VOTERS``, at least 3) reads
  "overig", merged with the next smallest until "overig" itself reaches the
  floor (:func:`floor_groups`): a ballot next to a pillar of one or two voters
  would be theirs for all to read. Display names appear only when the round was not
  anonymous when the outcome was frozen (``Outcome.is_anonymous``): the flag
  frozen with the ballots, not the round's flag at the time of the export.
* "Via" says whether a ballot came from a phone or from an imported file
  (paper ballots, another tool).

The results can be recomputed from the exported ballots (the rankings are
all the maths needs); the SHA-256 digest of the canonical ballots is given
for reference and checked on the server by ``flask verify-outcomes``.

Labels for methods and agenda states are passed in by the views (they own
the words); the defaults are the plain keys.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..aggregation.preflib import PrefLibMetadata, format_preflib
from ..aggregation.profile import Profile
from ..models import AgendaEntry, Outcome, Participant, RankingSession, Round
from . import outcomes as outcome_service
from .breakdowns import OutcomeBreakdown, breakdown_document, breakdown_floor, outcome_groups
from .errors import ServiceError
from .outcomes import METHODS
from .profiles import document_profile
from .slugs import slug
from .spreadsheets import Cell, Table, plain
from .summaries import OutcomeSummary, outcome_as_dict, summarise

#: the layout of the JSON exports; bump when it changes
JSON_FORMAT = "hhu-ranking-export/1"
#: the tables a CSV export can hold (URL word -> builder name)
CSV_TABLES = ("uitslag", "stemmen", "overeenstemming", "groepen")

Label = Callable[[str], str]


def _same(value: str) -> str:
    return value


# -- finding what to export ----------------------------------------------------------------


def round_outcome(db: Session, round_id: int, version: int | None = None) -> Outcome:
    """The round's newest outcome, or the given version. 404 when there is none."""
    if db.get(Round, round_id) is None:
        raise ServiceError(_("Deze ronde bestaat niet."), status=404)
    if version is None:
        outcome = outcome_service.latest_outcome(db, round_id)
    else:
        outcome = db.scalar(
            select(Outcome).where(Outcome.round_id == round_id, Outcome.version_number == version)
        )
    if outcome is None:
        raise ServiceError(
            _("Deze ronde heeft nog geen uitslag: die ontstaat als de ronde sluit."), status=404
        )
    return outcome


def session_outcomes(db: Session, ranking_session: RankingSession) -> list[Outcome]:
    """The newest outcome of every round of the session that has one, in round order."""
    newest = outcome_service.latest_outcome_ids(db, [r.id for r in ranking_session.rounds])
    found = []
    for round_ in ranking_session.rounds:
        if round_.id in newest:
            outcome = db.get(Outcome, newest[round_.id])
            assert outcome is not None
            found.append(outcome)
    return found


# -- ballots -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportBallot:
    """One counted ballot as exports show it: no participant id, no token."""

    number: int
    organisation: str
    pillar: str
    #: the participant's name, only when the round is not anonymous
    name: str | None
    #: True when it was read in from a file (paper ballots, another tool)
    imported: bool
    #: round item ids, best first
    ranking: tuple[int, ...]
    titles: tuple[str, ...]


def floor_groups(values: Sequence[str], floor: int, other: str) -> list[str]:
    """``values`` (one group per ballot, "" for none) with every group of fewer than ``floor``
    ballots replaced by ``other``.

    The smallest groups go first, and more are merged while ``other`` would itself hold
    fewer than ``floor`` ballots: one lone "overig" among named groups would still be
    readable as the one missing pillar. Ballots without a group stay "".
    """
    counts = Counter(v for v in values if v)
    merged: set[str] = set()
    size = 0
    for group, count in sorted(counts.items(), key=lambda gc: (gc[1], gc[0])):
        if count >= floor and (size == 0 or size >= floor):
            break
        merged.add(group)
        size += count
    return [other if v in merged else v for v in values]


def export_ballots(db: Session, outcome: Outcome) -> list[ExportBallot]:
    """The outcome's counted ballots, numbered 1, 2, ... in canonical order, with the
    privacy floor applied to their pillars (:func:`floor_groups`)."""

    snapshot = outcome.ballots
    ids = [int(b["participant_id"]) for b in snapshot]
    people = (
        {p.id: p for p in db.scalars(select(Participant).where(Participant.id.in_(ids)))}
        if ids
        else {}
    )
    titles = {int(item["id"]): str(item["title"]) for item in outcome.data["items"]}
    named = not outcome.is_anonymous
    persons = [people.get(int(ballot["participant_id"])) for ballot in snapshot]
    pillars = floor_groups(
        [p.pillar.name_nl if p and p.pillar else "" for p in persons],
        breakdown_floor(),
        _("overig"),
    )
    out = []
    for number, (ballot, person, pillar) in enumerate(
        zip(snapshot, persons, pillars, strict=True), start=1
    ):
        ranking = tuple(int(i) for i in ballot["ranking"])
        out.append(
            ExportBallot(
                number=number,
                organisation=person.organisation_label if person else "",
                pillar=pillar,
                name=(person.display_name or "") if named and person else None,
                imported=bool(person and person.ballot_import_id),
                ranking=ranking,
                titles=tuple(titles.get(i, "") for i in ranking),
            )
        )
    return out


# -- tables --------------------------------------------------------------------------------


def _methods_in(summaries: Sequence[OutcomeSummary]) -> list[str]:
    seen = [m for m in METHODS if any(m in s.methods for s in summaries)]
    for summary in summaries:
        seen.extend(m for m in summary.methods if m not in seen)
    return seen


def results_table(outcomes: Sequence[Outcome], method_label: Label = _same) -> Table:
    """One row per item and outcome, in rank order: the place under every method, the scores
    and the per-item statistics."""
    summaries = [summarise(o) for o in outcomes]
    methods = _methods_in(summaries)
    scored = [
        m for m in methods if any(i.scores.get(m) is not None for s in summaries for i in s.items)
    ]
    headers = [_("Ronde"), _("Versie"), _("Plaats"), _("Onderdeel"), _("Toelichting")]
    headers += [_("Plaats %(method)s", method=method_label(m)) for m in methods]
    headers += [_("Punten %(method)s", method=method_label(m)) for m in scored]
    headers += [
        _("Gemiddelde plaats"),
        _("Mediaan plaats"),
        _("Eerste kwartiel plaats"),
        _("Derde kwartiel plaats"),
        _("Aandeel in top k"),
        _("Aantal eerste plaatsen"),
        _("Verdeeldheid"),
        _("Houdt plaats (bootstrap)"),
    ]
    rows: list[list[Cell]] = []
    for outcome, summary in zip(outcomes, summaries, strict=True):
        for item in summary.items:
            stats = item.stats
            row: list[Cell] = [
                outcome.round.title,
                outcome.version_number,
                item.rank,
                item.title,
                item.explanation,
            ]
            row += [item.places.get(m) for m in methods]
            row += [item.scores.get(m) for m in scored]
            row += [
                stats.get(k)
                for k in (
                    "mean_rank",
                    "median_rank",
                    "q1_rank",
                    "q3_rank",
                    "top_k_share",
                    "first_place",
                    "polarisation",
                    "keeps_place",
                )
            ]
            rows.append(row)
    return Table(_("Uitslag"), headers, rows)


def ballots_table(db: Session, outcomes: Sequence[Outcome]) -> Table:
    """One row per counted ballot: number, organisation, pillar, (name,) and the items in
    the order the participant put them (``Plaats 1`` = best)."""
    per_outcome = [(o, export_ballots(db, o)) for o in outcomes]
    width = max((len(o.data["items"]) for o in outcomes), default=0)
    named = any(not o.is_anonymous for o in outcomes)
    headers = [_("Ronde"), _("Versie"), _("Stem"), _("Organisatie"), _("Pijler")]
    if named:
        headers.append(_("Naam"))
    headers.append(_("Via"))
    headers += [_("Plaats %(n)d", n=n) for n in range(1, width + 1)]
    rows: list[list[Cell]] = []
    for outcome, ballots in per_outcome:
        for ballot in ballots:
            row: list[Cell] = [
                outcome.round.title,
                outcome.version_number,
                ballot.number,
                ballot.organisation,
                ballot.pillar,
            ]
            if named:
                row.append(ballot.name or "")
            row.append(_("bestand") if ballot.imported else _("telefoon"))
            row += list(ballot.titles) + [None] * (width - len(ballot.titles))
            rows.append(row)
    return Table(_("Stemmen"), headers, rows)


def agreement_table(outcomes: Sequence[Outcome], method_label: Label = _same) -> Table:
    """One row per outcome: how much the group agreed, and how to check the outcome."""
    headers = [
        _("Sessie"),
        _("Datum"),
        _("Ronde"),
        _("Versie"),
        _("Vastgelegd"),
        _("Stemmen"),
        _("Kendall's W"),
        _("Chi-kwadraat"),
        _("Vrijheidsgraden"),
        _("p-waarde"),
        _("Gemiddelde Kendall-tau-afstand"),
        _("Top k"),
        _("Methode voor de plaats"),
        _("Weging"),
        _("Versie rekencode"),
        _("SHA-256 van de stemmen"),
    ]
    rows: list[list[Cell]] = []
    for outcome in outcomes:
        agreement = outcome.data.get("agreement") or {}
        session = outcome.round.session
        rows.append(
            [
                session.title,
                plain(session.held_on),
                outcome.round.title,
                outcome.version_number,
                plain(outcome.frozen_at),
                outcome.ballot_count,
                agreement.get("kendall_w"),
                agreement.get("chi_square"),
                agreement.get("degrees_of_freedom"),
                agreement.get("p_value"),
                agreement.get("mean_pairwise_tau"),
                agreement.get("top_k"),
                method_label(outcome.primary_method),
                outcome.weighting,
                outcome.aggregation_version,
                outcome.ballots_digest,
            ]
        )
    return Table(_("Overeenstemming"), headers, rows)


def groups_table(db: Session, outcomes: Sequence[Outcome]) -> Table:
    """One row per item, pillar or tier and outcome: the group's Borda place beside the room's.

    Only groups with at least the privacy floor's number of voters (``services.breakdowns``);
    "Grootste verschil" marks, per group, the item it places furthest from the room.
    """
    headers = [
        _("Ronde"),
        _("Versie"),
        _("Soort groep"),
        _("Groep"),
        _("Stemmers"),
        _("Onderdeel"),
        _("Plaats groep (Borda)"),
        _("Plaats zaal (Borda)"),
        _("Verschil"),
        _("Grootste verschil"),
    ]
    kinds = {"pillar": _("pijler"), "tier": _("laag")}
    rows: list[list[Cell]] = []
    for outcome in outcomes:
        breakdown = outcome_groups(db, outcome)
        if breakdown is None:
            continue
        for group in breakdown.groups:
            for column, (title, overall) in enumerate(breakdown.items):
                place = group.places[column]
                rows.append(
                    [
                        outcome.round.title,
                        outcome.version_number,
                        kinds.get(group.kind, group.kind),
                        group.name,
                        group.voters,
                        title,
                        place,
                        overall,
                        None if overall is None else place - overall,
                        _("ja") if group.gap and group.column == column else "",
                    ]
                )
    return Table(_("Groepen"), headers, rows)


def tables(db: Session, outcomes: Sequence[Outcome], method_label: Label = _same) -> list[Table]:
    """The four tables of an export: results, anonymised ballots, agreement, groups."""
    return [
        results_table(outcomes, method_label),
        ballots_table(db, outcomes),
        agreement_table(outcomes, method_label),
        groups_table(db, outcomes),
    ]


def table(
    db: Session, outcomes: Sequence[Outcome], name: str, method_label: Label = _same
) -> Table:
    """One of the tables by its URL word (``CSV_TABLES``)."""
    if name == "uitslag":
        return results_table(outcomes, method_label)
    if name == "stemmen":
        return ballots_table(db, outcomes)
    if name == "overeenstemming":
        return agreement_table(outcomes, method_label)
    if name == "groepen":
        return groups_table(db, outcomes)
    raise ServiceError(_("Deze tabel bestaat niet."), status=404)


def agenda_table(entries: Sequence[AgendaEntry], status_label: Label = _same) -> Table:
    """The agenda in priority order per coalition, with each entry's provenance."""
    headers = [
        _("Coalitie"),
        _("Plaats"),
        _("Onderdeel"),
        _("Toelichting"),
        _("Fase"),
        _("Jaar"),
        _("Trekker"),
        _("Status"),
        _("Notitie"),
        _("Bron: sessie"),
        _("Bron: datum"),
        _("Bron: ronde"),
        _("Bron: versie"),
        _("Bron: plaats"),
        _("Bron: aantal onderdelen"),
        _("Bron: methode"),
        _("Bron: stemmen"),
        _("Bron: Kendall's W"),
        _("Laatst gewijzigd"),
    ]
    rows: list[list[Cell]] = [
        [
            e.coalition.name,
            e.position + 1,
            e.title,
            e.explanation,
            e.phase.name,
            e.year,
            e.owner,
            status_label(e.status.value),
            e.note,
            e.source_session_title,
            plain(e.source_held_on),
            e.source_round_title,
            e.source_outcome_version,
            e.source_rank,
            e.source_item_count,
            e.source_method,
            e.source_ballot_count,
            e.source_kendall_w,
            plain(e.updated_at),
        ]
        for e in entries
    ]
    return Table(_("Agenda"), headers, rows)


# -- JSON ----------------------------------------------------------------------------------


def _ballot_document(ballot: ExportBallot) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "number": ballot.number,
        "organisation": ballot.organisation,
        "pillar": ballot.pillar,
        "via": "file" if ballot.imported else "phone",
        "ranking": list(ballot.ranking),
    }
    if ballot.name is not None:
        doc["name"] = ballot.name
    return doc


def outcome_document(db: Session, outcome: Outcome) -> dict[str, Any]:
    """One outcome as JSON: the frozen result verbatim, the anonymised ballots and the
    breakdown by pillar and tier (``breakdowns.breakdown_document``; None without ballots).

    Built on ``summaries.outcome_as_dict``; its ``ballots`` (which carry
    internal participant ids) are replaced by numbered ballots.
    """
    doc = outcome_as_dict(outcome)
    doc["format"] = JSON_FORMAT
    doc["round"]["anonymous"] = outcome.is_anonymous
    doc["round"]["state"] = outcome.round.state.value
    doc["ballots"] = [_ballot_document(b) for b in export_ballots(db, outcome)]
    doc["breakdown"] = breakdown_document(db, outcome)
    return doc


def session_document(db: Session, ranking_session: RankingSession) -> dict[str, Any]:
    """A session and the newest outcome of each of its rounds."""
    return {
        "format": JSON_FORMAT,
        "session": {
            "id": ranking_session.id,
            "title": ranking_session.title,
            "held_on": ranking_session.held_on.isoformat(),
            "kind": ranking_session.kind.value,
        },
        "outcomes": [outcome_document(db, o) for o in session_outcomes(db, ranking_session)],
    }


# -- PrefLib -------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _slug(text: str) -> str:
    return slug(text, fallback="export")


def base_name(outcome: Outcome) -> str:
    """``2026-11-22-netwerkbijeenkomst-waarden-v1``: date, session, round, version."""
    session = outcome.round.session
    return (
        f"{session.held_on.isoformat()}-{_slug(session.title)}-{_slug(outcome.round.title)}"
        f"-v{outcome.version_number}"
    )


def session_base_name(ranking_session: RankingSession) -> str:
    return f"{ranking_session.held_on.isoformat()}-{_slug(ranking_session.title)}"


def outcome_profile(outcome: Outcome) -> Profile:
    """The outcome's ballots as a profile: alternative ``i`` is the round's ``i``-th item."""
    return document_profile(outcome.data["items"], outcome.ballots, title=_one_line)


def preflib_file(outcome: Outcome) -> tuple[str, str]:
    """``(file name, text)`` of the outcome's ballots as PrefLib.

    The type is the most restrictive that fits (``Profile.kind()``): full
    rankings are ``.soc``, top-k ballots ``.soi``. Alternatives are numbered
    from 1 in the file; ``# ALTERNATIVE NAME i`` is the round's ``i``-th item.
    """
    profile = outcome_profile(outcome)
    name = f"{base_name(outcome)}.{profile.kind()}"
    session = outcome.round.session
    metadata = PrefLibMetadata(
        file_name=name,
        title=_one_line(f"{session.title} - {outcome.round.title}"),
        description=_one_line(
            f"Health Hub Utrecht, Ranking The Principles; outcome version "
            f"{outcome.version_number}; ballots SHA-256 {outcome.ballots_digest}"
        ),
        modification_type="original",
        publication_date=session.held_on.isoformat(),
        modification_date=outcome.frozen_at.date().isoformat(),
    )
    return name, format_preflib(profile, metadata)


def preflib_zip(outcomes: Sequence[Outcome]) -> bytes:
    """One PrefLib file per outcome in a ZIP archive (a session's rounds)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for outcome in outcomes:
            name, text = preflib_file(outcome)
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


# -- the printable report ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportBar:
    title: str
    rank: int | None
    tied: bool
    value: float | None
    #: bar length, 0..100 (percent of the largest value)
    percent: float


@dataclass(frozen=True)
class ReportRound:
    outcome: Outcome
    summary: OutcomeSummary
    #: Borda points per item, in rank order
    borda: list[ReportBar]
    #: share of participants with the item in their top k, in rank order
    top_k: list[ReportBar]
    top_k_size: int
    #: each pillar's and tier's order beside the room's (None without ballots)
    breakdown: OutcomeBreakdown | None = None


def _bars(summary: OutcomeSummary, values: Mapping[int, float | None]) -> list[ReportBar]:
    largest = max((v for v in values.values() if v is not None and v > 0), default=0.0)
    return [
        ReportBar(
            title=item.title,
            rank=item.rank,
            tied=item.tied,
            value=values.get(item.item_id),
            percent=(100.0 * (values.get(item.item_id) or 0.0) / largest) if largest else 0.0,
        )
        for item in summary.items
    ]


def report_rounds(db: Session, outcomes: Sequence[Outcome]) -> list[ReportRound]:
    """What the A4 report shows per outcome, charts and breakdown included (drawn by the
    template)."""
    out = []
    for outcome in outcomes:
        summary = summarise(outcome)
        borda = {i.item_id: i.scores.get("borda") for i in summary.items}
        top = {i.item_id: i.stats.get("top_k_share") for i in summary.items}
        top_k_size = int((outcome.data.get("agreement") or {}).get("top_k") or 3)
        top_bars = [
            ReportBar(b.title, b.rank, b.tied, b.value, 100.0 * (b.value or 0.0))
            for b in _bars(summary, top)
        ]
        out.append(
            ReportRound(
                outcome,
                summary,
                _bars(summary, borda),
                top_bars,
                top_k_size,
                outcome_groups(db, outcome),
            )
        )
    return out
