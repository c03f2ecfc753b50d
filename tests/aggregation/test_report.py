"""The analysis report: JSON-ready, canonical, and independent of the ballots' order."""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import profiles

from hhu_ranking.aggregation import AGGREGATION_VERSION
from hhu_ranking.aggregation.agreement import kendall_w
from hhu_ranking.aggregation.methods import METHODS
from hhu_ranking.aggregation.profile import Ballot, Profile
from hhu_ranking.aggregation.report import DEFAULT_METHODS, analyse, jsonable, to_json

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALUES = ["Mensgericht", "Missiegedreven", "Publiek-privaat", "Zelfsturend", "Regiobreed"]


def session() -> Profile:
    orders = [
        [0, 1, 2, 3, 4],
        [1, 0, 2, 4, 3],
        [0, [1, 2], 3],
        [4, 0],
        [0, 1, 2, 3, 4],
        [2, 1, 0, 3, 4],
    ]
    return Profile.from_orders(VALUES, orders, weights=[1, 2, 1, 1, 1, 1])


def assert_json_ready(value: object, path: str = "$") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"{path}: key {key!r}"
            assert_json_ready(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_json_ready(item, f"{path}[{index}]")
    elif isinstance(value, float):
        assert math.isfinite(value), path
        assert round(value, 6) == value, f"{path}: {value} is not rounded"
    else:
        assert value is None or type(value) in (str, int, bool), f"{path}: {type(value)}"


def test_shape_and_values() -> None:
    profile = session()
    report = analyse(profile, bootstrap_samples=100, seed=3)
    assert_json_ready(report)
    assert report["version"] == AGGREGATION_VERSION
    assert report["alternatives"] == VALUES
    assert report["profile"] == {
        "alternatives": 5,
        "ballots": 6,
        "unique_ballots": 5,
        "total_weight": 7.0,
        "kind": "toi",
    }
    assert report["consensus"] == "borda"
    assert list(report["methods"]) == list(DEFAULT_METHODS)
    for block in report["methods"].values():
        assert sorted(a for tier in block["ranking"] for a in tier) == [0, 1, 2, 3, 4]
        assert set(block["scores"]) == {"0", "1", "2", "3", "4"}
        assert isinstance(block["unique"], bool)
        assert set(block["positions"]) == {"0", "1", "2", "3", "4"}
        distance = block["distance_to_consensus"]
        assert 0.0 <= distance["q1"] <= distance["median"] <= distance["q3"] <= distance["max"]
    assert report["methods"]["borda"]["ranking"][0] == [0]
    assert report["agreement"]["kendall_w"] == round(kendall_w(profile).w, 6)
    assert report["agreement"]["degrees_of_freedom"] == 4
    assert report["top_k"] == 3
    items = report["items"]
    assert [item["id"] for item in items] == [0, 1, 2, 3, 4]
    assert [item["name"] for item in items] == VALUES
    assert sum(item["top_k_share"] for item in items) == pytest.approx(3.0)
    assert sum(item["first_place"] for item in items) == pytest.approx(7.0)
    counts = np.array(report["pairwise"]["counts"])
    assert counts.shape == (5, 5)
    assert report["pairwise"]["support"][0][0] is None
    boot = report["bootstrap"]
    assert boot["method"] == "borda" and boot["samples"] == 100 and boot["draws"] == 7
    assert [item["place"] for item in boot["items"]] == [
        report["methods"]["borda"]["positions"][str(a)] for a in range(5)
    ]


def test_without_bootstrap_and_with_a_chosen_method() -> None:
    report = analyse(session(), methods=("kemeny",), options={"kemeny": {"time_limit": 5.0}})
    assert report["bootstrap"] is None
    assert list(report["methods"]) == ["kemeny"]
    assert report["consensus"] == "kemeny"
    assert "distance" in report["methods"]["kemeny"]["details"]


def test_kemeny_first_bootstraps_kemeny() -> None:
    report = analyse(session(), methods=("kemeny", "borda"), bootstrap_samples=20)
    assert report["bootstrap"]["method"] == "kemeny"
    report = analyse(session(), methods=("schulze",), bootstrap_samples=20)
    assert report["bootstrap"]["method"] == "borda"


def test_json_is_canonical_and_stable() -> None:
    text = to_json(analyse(session(), bootstrap_samples=50, seed=9))
    assert text == to_json(analyse(session(), bootstrap_samples=50, seed=9))
    parsed = json.loads(text)
    assert text == json.dumps(parsed, sort_keys=True, separators=(",", ":"))
    assert text.isascii()
    assert text != to_json(analyse(session(), bootstrap_samples=50, seed=10))


@SETTINGS
@given(profiles(min_n=2, max_n=6, max_m=8, weighted=True), st.randoms(use_true_random=False))
def test_voter_order_does_not_change_a_byte(profile: Profile, rnd: random.Random) -> None:
    ballots = list(profile.ballots)
    rnd.shuffle(ballots)
    shuffled = Profile(profile.alternatives, ballots)
    a = to_json(analyse(profile, methods=list(METHODS), bootstrap_samples=30, seed=1))
    b = to_json(analyse(shuffled, methods=list(METHODS), bootstrap_samples=30, seed=1))
    assert a == b


def test_merged_and_split_ballots_agree() -> None:
    split = Profile.from_orders(VALUES[:3], [[0, 1, 2], [0, 1, 2], [2, 1, 0]])
    merged = Profile(VALUES[:3], [Ballot(((0,), (1,), (2,)), 2.0), Ballot(((2,), (1,), (0,)))])
    a = analyse(split, bootstrap_samples=40)
    b = analyse(merged, bootstrap_samples=40)
    assert a["profile"].pop("ballots") == 3
    assert b["profile"].pop("ballots") == 2
    assert to_json(a) == to_json(b)


def test_jsonable() -> None:
    value = {
        1: np.float64(0.1234567891),
        "nan": math.nan,
        "inf": -math.inf,
        "neg": -0.0000001,
        "array": np.array([[1, 2]], dtype=np.int64),
        "flag": np.bool_(True),
        "tuple": (1, 2.5),
        "set": {3, 1},
    }
    assert jsonable(value) == {
        "1": 0.123457,
        "nan": None,
        "inf": None,
        "neg": 0.0,
        "array": [[1, 2]],
        "flag": True,
        "tuple": [1, 2.5],
        "set": [1, 3],
    }
    assert to_json({"b": 1, "a": [1.0, None]}) == '{"a":[1.0,null],"b":1}'
    with pytest.raises(TypeError):
        jsonable(object())


def test_bad_requests() -> None:
    with pytest.raises(ValueError, match="at least one"):
        analyse(session(), methods=())
    with pytest.raises(ValueError, match="twice"):
        analyse(session(), methods=("borda", "borda"))
    with pytest.raises((KeyError, ValueError)):
        analyse(session(), methods=("plurality-with-runoff",))
