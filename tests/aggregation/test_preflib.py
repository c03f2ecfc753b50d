"""PrefLib reading and writing: exact round trips, validation by preflibtools, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from preflibtools.instances import OrdinalInstance, sanity
from strategies import profiles

from hhu_ranking.aggregation.preflib import (
    PrefLibError,
    PrefLibMetadata,
    format_preflib,
    parse_preflib,
    read_preflib,
    write_preflib,
)
from hhu_ranking.aggregation.profile import Ballot, Profile

DEBIAN = """\
# FILE NAME: 00002-00000001.toc
# TITLE: Debian 2002 Leader
# DESCRIPTION: Obtained from the soi by adding the unranked alternatives at the bottom
# DATA TYPE: toc
# MODIFICATION TYPE: imbued
# RELATES TO: 00002-00000001.soi
# RELATED FILES:
# PUBLICATION DATE: 2013-08-17
# MODIFICATION DATE: 2022-09-16
# NUMBER ALTERNATIVES: 4
# NUMBER VOTERS: 188
# NUMBER UNIQUE ORDERS: 3
# ALTERNATIVE NAME 1: Branden Robinson
# ALTERNATIVE NAME 2: Raphael Hertzog
# ALTERNATIVE NAME 3: Bdale Garbee
# ALTERNATIVE NAME 4: None Of The Above
100: 3,1,2,4
79: 1,3,2,4
9: 3,{1,2,4}
"""

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def canonical(profile: Profile) -> tuple[Ballot, ...]:
    return profile.compressed().ballots


def header(n: int = 3, data_type: str = "toi", voters: int | None = None) -> str:
    lines = [f"# DATA TYPE: {data_type}", f"# NUMBER ALTERNATIVES: {n}"]
    if voters is not None:
        lines.append(f"# NUMBER VOTERS: {voters}")
    lines += [f"# ALTERNATIVE NAME {i}: item {i}" for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


# -- reading -------------------------------------------------------------------------------


def test_reads_the_specification_example() -> None:
    data = parse_preflib(DEBIAN)
    profile = data.profile
    assert profile.alternatives == (
        "Branden Robinson",
        "Raphael Hertzog",
        "Bdale Garbee",
        "None Of The Above",
    )
    assert profile.ballots == (
        Ballot(((2,), (0,), (1,), (3,)), 100.0),
        Ballot(((0,), (2,), (1,), (3,)), 79.0),
        Ballot(((2,), (0, 1, 3)), 9.0),
    )
    assert data.metadata == PrefLibMetadata(
        file_name="00002-00000001.toc",
        title="Debian 2002 Leader",
        description="Obtained from the soi by adding the unranked alternatives at the bottom",
        data_type="toc",
        modification_type="imbued",
        relates_to="00002-00000001.soi",
        related_files="",
        publication_date="2013-08-17",
        modification_date="2022-09-16",
    )


def test_spaces_and_blank_lines_are_tolerated() -> None:
    text = header(4, "toi") + "\n  2 :  1 , { 3 ,2 }\n\n1: 4\n"
    profile = parse_preflib(text).profile
    assert profile.ballots == (Ballot(((0,), (1, 2)), 2.0), Ballot(((3,),), 1.0))


def test_data_type_from_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "votes.soi"
    path.write_text(
        "# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 1: a\n# ALTERNATIVE NAME 2: b\n1: 2\n"
    )
    data = read_preflib(path)
    assert data.profile.ballots == (Ballot(((1,),), 1.0),)
    assert data.metadata.data_type == ""


def test_write_round_trips_the_specification_example() -> None:
    data = parse_preflib(DEBIAN)
    assert format_preflib(data.profile, data.metadata) == DEBIAN


# -- malformed input -------------------------------------------------------------------------

MALFORMED = [
    # (text, line, words in the message)
    (header(3) + "1: 1,2,4\n", 6, "alternative 4"),
    (header(3) + "1: 1,1\n", 6, "twice"),
    (header(3) + "1: 1,,2\n", 6, "comma"),
    (header(3) + "1: 1,2,\n", 6, "ends with a comma"),
    (header(3) + "1: {1,2\n", 6, "never closed"),
    (header(3) + "1: {}\n", 6, "empty tie group"),
    (header(3) + "1: {1,{2}}\n", 6, "nested"),
    (header(3) + "1: 1 2\n", 6, "missing comma"),
    (header(3) + "1: a,2\n", 6, "unexpected character"),
    (header(3) + "1 1,2\n", 6, "count: order"),
    (header(3) + "x: 1,2\n", 6, "not a whole number"),
    (header(3) + "0: 1,2\n", 6, "at least 1"),
    (header(3) + "1: 1\n1: 2\n1: 1\n", 8, "already listed on line 6"),
    (header(3) + "1: 1\n# TITLE: late\n", 7, "before the orders"),
    (header(3, "soc") + "1: 1,2,3\n1: 1,2\n", 7, "complete"),
    (header(3, "soi") + "1: 1,{2,3}\n", 6, "cannot contain ties"),
    (header(3, "toc") + "1: {1,2}\n", 6, "complete"),
    (header(3, "xyz") + "1: 1\n", 1, "unknown data type"),
    (header(3, voters=5) + "2: 1\n", 3, "NUMBER VOTERS says 5"),
    ("# DATA TYPE: soi\n# NUMBER ALTERNATIVES: two\n", 2, "whole number"),
    (
        "# DATA TYPE: soi\n# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 1: a\n",
        2,
        "no '# ALTERNATIVE",
    ),
    (
        "# DATA TYPE: soi\n# NUMBER ALTERNATIVES: 1\n"
        "# ALTERNATIVE NAME 1: a\n# ALTERNATIVE NAME 2: b\n",
        4,
        "only 1",
    ),
    ("# DATA TYPE: soi\n# DATA TYPE: soc\n", 2, "repeated"),
    ("# DATA TYPE: soi\n# ALTERNATIVE NAME 1: a\n1: 1\n", 1, "NUMBER ALTERNATIVES"),
]


@pytest.mark.parametrize(("text", "line", "words"), MALFORMED)
def test_malformed_input_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(PrefLibError) as caught:
        parse_preflib(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")
    assert words in str(caught.value)


def test_header_type_must_match_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "votes.soc"
    path.write_text(header(2, "toi") + "1: 1\n")
    with pytest.raises(PrefLibError, match="line 1: the header declares toi"):
        read_preflib(path)


def test_no_type_at_all() -> None:
    with pytest.raises(PrefLibError, match="DATA TYPE"):
        parse_preflib("# NUMBER ALTERNATIVES: 1\n# ALTERNATIVE NAME 1: a\n1: 1\n")


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "votes.soi"
    path.write_bytes(b"# NUMBER ALTERNATIVES: 1\n# ALTERNATIVE NAME 1: caf\xe9\n1: 1\n")
    with pytest.raises(PrefLibError, match="line 2: .*UTF-8"):
        read_preflib(path)


# -- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orders", "kind"),
    [
        ([[0, 1, 2], [2, 1, 0]], "soc"),
        ([[0, 1, 2], [2]], "soi"),
        ([[0, [1, 2]], [2, 1, 0]], "toc"),
        ([[0, [1, 2]], [2]], "toi"),
    ],
)
def test_writes_the_most_restrictive_type(tmp_path: Path, orders: list, kind: str) -> None:
    profile = Profile.from_orders(["Mensgericht", "Regiobreed", "Zelfsturend"], orders)
    path = write_preflib(profile, tmp_path / "session")
    assert path.name == f"session.{kind}"
    assert f"# DATA TYPE: {kind}\n" in path.read_text()
    assert canonical(read_preflib(path).profile) == canonical(profile)


def test_a_more_general_type_can_be_asked_for_but_not_a_narrower_one(tmp_path: Path) -> None:
    profile = Profile.from_orders(["a", "b"], [[0, 1]])
    assert "# DATA TYPE: toi" in format_preflib(profile, data_type="toi")
    with pytest.raises(PrefLibError, match="cannot be written as soc"):
        format_preflib(Profile.from_orders(["a", "b"], [[0]]), data_type="soc")
    with pytest.raises(PrefLibError, match="not .toc"):
        write_preflib(profile, tmp_path / "x.toc")


def test_identical_ballots_are_merged_and_counted() -> None:
    profile = Profile.from_orders(["a", "b"], [[0, 1], [1, 0], [0, 1]], weights=[1, 1, 3])
    text = format_preflib(profile)
    assert "# NUMBER VOTERS: 5\n# NUMBER UNIQUE ORDERS: 2\n" in text
    assert text.endswith("4: 1,2\n1: 2,1\n")


def test_fractional_weights_are_refused() -> None:
    profile = Profile.from_orders(["a", "b"], [[0, 1], [1, 0]], weights=[0.5, 1])
    with pytest.raises(PrefLibError, match="whole numbers"):
        format_preflib(profile)
    # fractions that add up to whole voters are fine
    merged = Profile.from_orders(["a", "b"], [[0, 1], [0, 1]], weights=[0.5, 0.5])
    assert format_preflib(merged).endswith("1: 1,2\n")


@pytest.mark.parametrize("name", ["two\nlines", " padded", "padded "])
def test_names_that_cannot_round_trip_are_refused(name: str) -> None:
    with pytest.raises(PrefLibError, match="ALTERNATIVE NAME 2"):
        format_preflib(Profile.from_orders(["a", name], [[0, 1]]))


def test_names_with_accents_and_colons_round_trip(tmp_path: Path) -> None:
    names = ["Ethisch doordenken", "Efficiënt organiseren", "Delen: durven, doen", "{1,2}"]
    profile = Profile.from_orders(names, [[3, [0, 2]], [1]])
    meta = PrefLibMetadata(
        title="Ontwerpcriteria", description="Waarden: fase 2", modification_type=""
    )
    path = write_preflib(profile, tmp_path / "criteria.toi", meta)
    data = read_preflib(path)
    assert data.profile.alternatives == tuple(names)
    assert data.metadata.title == "Ontwerpcriteria"
    assert data.metadata.description == "Waarden: fase 2"
    assert data.metadata.file_name == "criteria.toi"
    assert data.metadata.modification_type == ""


# -- round trips and preflibtools -----------------------------------------------------------

metadata_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12
).map(str.strip)


@SETTINGS
@given(
    profiles(min_n=1, max_n=8, max_m=10),
    st.builds(PrefLibMetadata, title=metadata_text, description=metadata_text),
)
def test_round_trip_is_exact(profile: Profile, metadata: PrefLibMetadata) -> None:
    text = format_preflib(profile, metadata)
    data = parse_preflib(text)
    assert canonical(data.profile) == canonical(profile)
    assert data.profile.alternatives == profile.alternatives
    assert data.metadata == PrefLibMetadata(**{**metadata.__dict__, "data_type": profile.kind()})
    # writing what was read gives the same bytes
    assert format_preflib(data.profile, data.metadata) == text


@SETTINGS
@given(profiles(min_n=1, max_n=8, max_m=10))
def test_preflibtools_reads_and_validates_written_files(profile: Profile) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = write_preflib(profile, Path(folder) / "session")
        instance = OrdinalInstance(str(path))
        assert sanity.metadata(instance) == []
        assert sanity.orders(instance) == []
    kind = profile.kind()
    assert instance.data_type == kind == instance.infer_type()
    assert instance.num_alternatives == profile.n
    assert instance.alternatives_name == {
        i + 1: name for i, name in enumerate(profile.alternatives)
    }
    assert instance.num_voters == round(profile.total_weight)
    ours = {
        tuple(tuple(a + 1 for a in tier) for tier in b.tiers): round(b.weight)
        for b in canonical(profile)
    }
    theirs = {order: count for order, count in instance.multiplicity.items()}
    assert theirs == ours


def test_reads_files_written_by_preflibtools(tmp_path: Path) -> None:
    instance = OrdinalInstance()
    instance.data_type = "toi"
    instance.num_alternatives = 4
    instance.alternatives_name = {
        1: "Mensgericht",
        2: "Missiegedreven",
        3: "Regiobreed",
        4: "Lachen mag",
    }
    instance.append_vote_map({((2,), (1, 3)): 3, ((4,), (1,), (2,), (3,)): 2, ((1,),): 1})
    instance.data_type = instance.infer_type()
    path = tmp_path / f"vote.{instance.data_type}"
    instance.write(str(path))
    data = read_preflib(path)
    assert data.profile.alternatives == (
        "Mensgericht",
        "Missiegedreven",
        "Regiobreed",
        "Lachen mag",
    )
    assert canonical(data.profile) == canonical(
        Profile(
            data.profile.alternatives,
            [
                Ballot(((1,), (0, 2)), 3.0),
                Ballot(((3,), (0,), (1,), (2,)), 2.0),
                Ballot(((0,),), 1.0),
            ],
        )
    )
