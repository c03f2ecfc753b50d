"""Read and write ordinal PrefLib files: ``.soc``, ``.soi``, ``.toc`` and ``.toi``.

PrefLib (https://www.preflib.org/format) is the common exchange format for
preference data, so sessions can be archived, shared with researchers and
checked with other tools. A file is a header of ``# KEY: value`` lines
followed by one ``count: order`` line per distinct order, for example::

    # FILE NAME: 00002-00000001.toc
    # TITLE: Debian 2002 Leader
    # DESCRIPTION:
    # DATA TYPE: toc
    # MODIFICATION TYPE: imbued
    # RELATES TO: 00002-00000001.soi
    # RELATED FILES:
    # PUBLICATION DATE: 2013-08-17
    # MODIFICATION DATE: 2022-09-16
    # NUMBER ALTERNATIVES: 4
    # NUMBER VOTERS: 475
    # NUMBER UNIQUE ORDERS: 31
    # ALTERNATIVE NAME 1: Branden Robinson
    ...
    100: 3,1,2,4
    9: 3,{1,2,4}

Alternatives are numbered from 1 in the file and from 0 in a ``Profile``.
Commas separate tiers; ``{a,b}`` groups alternatives tied in one tier. In the
incomplete types (``soi``, ``toi``) alternatives an order leaves out are
unranked, which is exactly the ``Profile`` convention (tied below every
ranked one).

Reading is strict, because a silently misread ballot changes a result: any
deviation from the format raises ``PrefLibError`` naming the line. Writing
chooses the most restrictive data type that fits (``Profile.kind()``) and
merges identical ballots, so ``read(write(profile))`` gives back the same
compressed profile, names and metadata.

**Weights.** PrefLib counts are whole numbers of voters. A profile whose
merged ballot weights are not whole numbers (the fractional "one
organisation, one voice" weighting) cannot be written: ``write_preflib``
raises ``PrefLibError`` rather than round the weights, since rounding would
change the result. Export the unweighted ballots and the organisation map
instead.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .profile import Ballot, Profile

__all__ = [
    "DATA_TYPES",
    "MODIFICATION_TYPES",
    "PrefLibData",
    "PrefLibError",
    "PrefLibMetadata",
    "format_preflib",
    "parse_preflib",
    "read_preflib",
    "write_preflib",
]

#: The ordinal data types, from most to least restrictive.
DATA_TYPES: tuple[str, ...] = ("soc", "soi", "toc", "toi")
#: The modification types the PrefLib specification names.
MODIFICATION_TYPES: tuple[str, ...] = ("original", "induced", "imbued", "synthetic")

_STRICT = frozenset({"soc", "soi"})
_COMPLETE = frozenset({"soc", "toc"})


class PrefLibError(ValueError):
    """A malformed PrefLib file, or a profile that PrefLib cannot represent.

    ``line`` is the 1-based line number of the offending line when there is
    one; the message then starts with ``line N:`` so that it can be shown as is.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


@dataclass(frozen=True)
class PrefLibMetadata:
    """The descriptive header lines of a PrefLib file (the counts are derived, not stored).

    ``data_type`` records what a file declared when it was read; writing
    always declares the type that fits the profile.
    """

    file_name: str = ""
    title: str = ""
    description: str = ""
    data_type: str = ""
    modification_type: str = "original"
    relates_to: str = ""
    related_files: str = ""
    publication_date: str = ""
    modification_date: str = ""


@dataclass(frozen=True)
class PrefLibData:
    """A parsed file: the profile (ballots in file order) and its metadata."""

    profile: Profile
    metadata: PrefLibMetadata


# header key -> PrefLibMetadata field, in the order the specification lists them
_TEXT_KEYS: dict[str, str] = {
    "FILE NAME": "file_name",
    "TITLE": "title",
    "DESCRIPTION": "description",
    "DATA TYPE": "data_type",
    "MODIFICATION TYPE": "modification_type",
    "RELATES TO": "relates_to",
    "RELATED FILES": "related_files",
    "PUBLICATION DATE": "publication_date",
    "MODIFICATION DATE": "modification_date",
}
_COUNT_KEYS = ("NUMBER ALTERNATIVES", "NUMBER VOTERS", "NUMBER UNIQUE ORDERS")
_NAME_KEY = re.compile(r"ALTERNATIVE NAME\s+([0-9]{1,9})")
_TOKEN = re.compile(r"\s*(?:([0-9]+)|([{},])|(\S))")
_COUNT = re.compile(r"\s*([0-9]+)\s*")
#: more digits than any real count: int() of a longer string is slow, a float of it overflows
MAX_COUNT_DIGITS = 9
_NEWLINE = re.compile(r"\r\n|\r|\n")


# -- reading ------------------------------------------------------------------------------


def _parse_order(text: str, n: int, line: int) -> tuple[tuple[int, ...], ...]:
    """Parse ``1,{2,3},4`` into 0-based tiers, checking every alternative number."""
    tiers: list[tuple[int, ...]] = []
    group: list[int] | None = None
    seen: set[int] = set()
    expect_item = True  # an alternative or "{" must come next
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return ()
    for match in tokens:
        number, punct, other = match.groups()
        if other is not None:
            raise PrefLibError(f"unexpected character {other!r} in the order", line)
        if number is not None:
            if not expect_item:
                raise PrefLibError(f"missing comma before {number[:12]}", line)
            if len(number.lstrip("0")) > MAX_COUNT_DIGITS:
                raise PrefLibError(f"alternative {number[:12]}… is not between 1 and {n}", line)
            alternative = int(number)
            if not 1 <= alternative <= n:
                raise PrefLibError(f"alternative {alternative} is not between 1 and {n}", line)
            if alternative in seen:
                raise PrefLibError(f"alternative {alternative} appears twice", line)
            seen.add(alternative)
            if group is None:
                tiers.append((alternative - 1,))
            else:
                group.append(alternative - 1)
            expect_item = False
        elif punct == "{":
            if group is not None:
                raise PrefLibError("tie groups cannot be nested", line)
            if not expect_item:
                raise PrefLibError("missing comma before '{'", line)
            group = []
        elif punct == "}":
            if group is None:
                raise PrefLibError("'}' without a matching '{'", line)
            if not group:
                raise PrefLibError("empty tie group '{}'", line)
            if expect_item:
                raise PrefLibError("a tie group cannot end with a comma", line)
            tiers.append(tuple(sorted(group)))
            group = None
        else:  # a comma
            if expect_item:
                raise PrefLibError("an alternative is missing around a comma", line)
            expect_item = True
    if group is not None:
        raise PrefLibError("'{' is never closed", line)
    if expect_item:
        raise PrefLibError("the order ends with a comma", line)
    return tuple(tiers)


def _check_type(tiers: tuple[tuple[int, ...], ...], n: int, data_type: str, line: int) -> None:
    if data_type in _STRICT and any(len(tier) > 1 for tier in tiers):
        raise PrefLibError(f"a {data_type} file cannot contain ties", line)
    if data_type in _COMPLETE:
        ranked = sum(len(tier) for tier in tiers)
        if ranked != n:
            raise PrefLibError(
                f"the order ranks {ranked} of {n} alternatives; "
                f"a {data_type} file needs complete orders",
                line,
            )


def parse_preflib(text: str, *, data_type: str | None = None) -> PrefLibData:
    """Parse the text of an ordinal PrefLib file.

    ``data_type`` is the type implied by the file name (its extension), used
    when the header has no ``# DATA TYPE:`` line; when both are present they
    must agree. Header lines may come in any order but must precede the
    orders. ``# NUMBER ALTERNATIVES`` and a name for every alternative are
    required; ``# NUMBER VOTERS`` and ``# NUMBER UNIQUE ORDERS``, when present,
    must match the orders. Unknown ``#`` lines are ignored. Each order may be
    listed only once.
    """
    if data_type is not None and data_type not in DATA_TYPES:
        raise PrefLibError(f"unknown data type {data_type!r}; expected one of {DATA_TYPES}")
    text = text.removeprefix("\ufeff")
    meta: dict[str, str] = {}
    counts: dict[str, tuple[int, int]] = {}  # key -> (value, line)
    names: dict[int, tuple[str, int]] = {}  # alternative number -> (name, line)
    header_lines: dict[str, int] = {}
    orders: list[tuple[tuple[tuple[int, ...], ...], int, int]] = []  # tiers, count, line
    # universal newlines, like Python's text files: not str.splitlines, which also splits
    # on form feeds and other separators that may legitimately appear inside a name
    lines = _NEWLINE.split(text)

    # pass 1: the header (needed before any order can be checked)
    body_start = len(lines)
    for index, raw in enumerate(lines):
        number = index + 1
        stripped = raw.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            body_start = index
            break
        key, colon, value = stripped[1:].partition(":")
        key = " ".join(key.split())
        if not colon:
            continue  # a plain comment
        value = value.strip()
        name_match = _NAME_KEY.fullmatch(key)
        if key in header_lines and (key in _TEXT_KEYS or key in _COUNT_KEYS or name_match):
            raise PrefLibError(f"'{key}' is repeated (first on line {header_lines[key]})", number)
        header_lines[key] = number
        if key in _TEXT_KEYS:
            meta[_TEXT_KEYS[key]] = value
        elif key in _COUNT_KEYS:
            if not re.fullmatch(r"[0-9]+", value):
                raise PrefLibError(f"'{key}' must be a whole number, not {value!r}", number)
            if len(value.lstrip("0")) > MAX_COUNT_DIGITS:
                raise PrefLibError(f"'{key}' is too large", number)
            counts[key] = (int(value), number)
        elif name_match:
            names[int(name_match.group(1))] = (value, number)

    declared = meta.get("data_type", "")
    if declared:
        if declared not in DATA_TYPES:
            raise PrefLibError(
                f"unknown data type {declared!r}; expected one of {', '.join(DATA_TYPES)}",
                header_lines["DATA TYPE"],
            )
        if data_type is not None and declared != data_type:
            raise PrefLibError(
                f"the header declares {declared} but the file name says {data_type}",
                header_lines["DATA TYPE"],
            )
        kind = declared
    elif data_type is not None:
        kind = data_type
    else:
        raise PrefLibError("no '# DATA TYPE:' line and no file extension to tell the type")
    if "NUMBER ALTERNATIVES" not in counts:
        raise PrefLibError("the header has no '# NUMBER ALTERNATIVES:' line", 1)
    n, n_line = counts["NUMBER ALTERNATIVES"]
    if n < 1:
        raise PrefLibError("a file needs at least one alternative", n_line)
    for alternative, (_, line) in sorted(names.items()):
        if not 1 <= alternative <= n:
            raise PrefLibError(f"alternative {alternative} is named but there are only {n}", line)
    missing = [a for a in range(1, n + 1) if a not in names]
    if missing:
        raise PrefLibError(f"alternative {missing[0]} has no '# ALTERNATIVE NAME' line", n_line)

    # pass 2: the orders
    first_seen: dict[tuple[tuple[int, ...], ...], int] = {}
    for index in range(body_start, len(lines)):
        number = index + 1
        stripped = lines[index].strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            raise PrefLibError("header lines must come before the orders", number)
        count_text, colon, order_text = stripped.partition(":")
        if not colon:
            raise PrefLibError("expected 'count: order'", number)
        count_match = _COUNT.fullmatch(count_text)
        if count_match is None:
            raise PrefLibError(f"the count {count_text.strip()!r} is not a whole number", number)
        if len(count_match.group(1).lstrip("0")) > MAX_COUNT_DIGITS:
            raise PrefLibError(
                f"the count is too large (at most {MAX_COUNT_DIGITS} digits)", number
            )
        count = int(count_match.group(1))
        if count < 1:
            raise PrefLibError("the count must be at least 1", number)
        tiers = _parse_order(order_text, n, number)
        _check_type(tiers, n, kind, number)
        if tiers in first_seen:
            raise PrefLibError(
                f"the same order is already listed on line {first_seen[tiers]}", number
            )
        first_seen[tiers] = number
        orders.append((tiers, count, number))

    voters = sum(count for _, count, _ in orders)
    if "NUMBER VOTERS" in counts and counts["NUMBER VOTERS"][0] != voters:
        declared_count, line = counts["NUMBER VOTERS"]
        raise PrefLibError(
            f"NUMBER VOTERS says {declared_count} but the orders count {voters}", line
        )
    if "NUMBER UNIQUE ORDERS" in counts and counts["NUMBER UNIQUE ORDERS"][0] != len(orders):
        declared_count, line = counts["NUMBER UNIQUE ORDERS"]
        raise PrefLibError(
            f"NUMBER UNIQUE ORDERS says {declared_count} but there are {len(orders)} orders", line
        )

    alternatives = [names[a][0] for a in range(1, n + 1)]
    profile = Profile(alternatives, (Ballot(tiers, float(count)) for tiers, count, _ in orders))
    metadata = PrefLibMetadata(**{f.name: meta.get(f.name, "") for f in fields(PrefLibMetadata)})
    return PrefLibData(profile, metadata)


def read_preflib(path: str | os.PathLike[str]) -> PrefLibData:
    """Read a PrefLib file; its extension (if one of the four types) gives the data type."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PrefLibError("the file is not UTF-8 text", line) from error
    suffix = path.suffix.lower().lstrip(".")
    return parse_preflib(text, data_type=suffix if suffix in DATA_TYPES else None)


# -- writing ------------------------------------------------------------------------------


def _writable(kind: str, data_type: str) -> bool:
    """Whether ballots of ``kind`` are valid in a file of ``data_type``."""
    strict_ok = kind in _STRICT or data_type not in _STRICT
    complete_ok = kind in _COMPLETE or data_type not in _COMPLETE
    return strict_ok and complete_ok


def _check_text(label: str, value: str) -> str:
    """Header values are one line and lose surrounding spaces on reading: refuse both."""
    if "\n" in value or "\r" in value:
        raise PrefLibError(f"{label} cannot span several lines: {value!r}")
    if value != value.strip():
        raise PrefLibError(f"{label} cannot start or end with spaces: {value!r}")
    return value


def _format_order(tiers: tuple[tuple[int, ...], ...]) -> str:
    parts = []
    for tier in tiers:
        numbers = ",".join(str(a + 1) for a in sorted(tier))
        parts.append(numbers if len(tier) == 1 else "{" + numbers + "}")
    return ",".join(parts)


def format_preflib(
    profile: Profile,
    metadata: PrefLibMetadata | None = None,
    *,
    data_type: str | None = None,
) -> str:
    """The text of a PrefLib file for ``profile`` (see ``write_preflib``)."""
    metadata = metadata or PrefLibMetadata()
    kind = profile.kind()
    chosen = data_type or kind
    if chosen not in DATA_TYPES:
        raise PrefLibError(f"unknown data type {chosen!r}; expected one of {DATA_TYPES}")
    if not _writable(kind, chosen):
        raise PrefLibError(f"these ballots are {kind} and cannot be written as {chosen}")
    merged = profile.compressed()
    rows: list[tuple[int, str]] = []
    for number, ballot in enumerate(merged.ballots, start=1):
        count = round(ballot.weight)
        if abs(ballot.weight - count) > 1e-9 * max(1.0, ballot.weight) or count < 1:
            raise PrefLibError(
                f"ballot {number} has weight {ballot.weight}; PrefLib counts are whole "
                "numbers of voters, so fractional weights cannot be written"
            )
        rows.append((count, _format_order(ballot.tiers)))
    # most frequent first, like PrefLib's own files; the merged order breaks ties
    rows.sort(key=lambda row: -row[0])

    header = {key: getattr(metadata, attr) for key, attr in _TEXT_KEYS.items()}
    header["DATA TYPE"] = chosen
    lines = [f"# {key}: {_check_text(key, value)}".rstrip() for key, value in header.items()]
    lines.append(f"# NUMBER ALTERNATIVES: {profile.n}")
    lines.append(f"# NUMBER VOTERS: {sum(count for count, _ in rows)}")
    lines.append(f"# NUMBER UNIQUE ORDERS: {len(rows)}")
    for alternative, name in enumerate(profile.alternatives, start=1):
        label = f"ALTERNATIVE NAME {alternative}"
        lines.append(f"# {label}: {_check_text(label, name)}".rstrip())
    lines.extend(f"{count}: {order}".rstrip() for count, order in rows)
    return "\n".join(lines) + "\n"


def write_preflib(
    profile: Profile,
    path: str | os.PathLike[str],
    metadata: PrefLibMetadata | None = None,
    *,
    data_type: str | None = None,
) -> Path:
    """Write ``profile`` as a PrefLib file and return the path written.

    The data type is the most restrictive one that fits (``profile.kind()``)
    unless ``data_type`` asks for a more general one. Without an extension the
    path gets ``.soc``/``.soi``/``.toc``/``.toi``; an existing PrefLib
    extension must match the type. ``# FILE NAME`` defaults to the file's name.
    Identical ballots are merged; their weights must be whole numbers.
    """
    path = Path(path)
    chosen = data_type or profile.kind()
    suffix = path.suffix.lower().lstrip(".")
    if suffix in DATA_TYPES:
        if suffix != chosen:
            raise PrefLibError(f"these ballots are written as {chosen}, not .{suffix}")
    else:
        path = path.with_name(f"{path.name}.{chosen}")
    metadata = metadata or PrefLibMetadata()
    if not metadata.file_name:
        metadata = replace(metadata, file_name=path.name)
    path.write_text(format_preflib(profile, metadata, data_type=chosen), encoding="utf-8")
    return path
