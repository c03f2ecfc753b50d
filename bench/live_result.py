"""What the big screen's live result costs to compute, at a hall's number of ballots.

    .venv/bin/python bench/live_result.py [--ballots 2000 5000] [--items 6] [--repeats 30]

Times ``services.results.compute_payload`` (the profile, Borda, Kemeny, the bootstrap,
the contrasts and the breakdown by pillar, as a screen's request computes them) on
shuffled rankings, the best of ``--repeats`` runs (the least disturbed by a shared
machine). The peer, in the same run: the profile built the way it was before equal
orders shared one ballot object (one ``Ballot`` per row, each checked), and the whole
computation with that profile. Prints one line per number of ballots.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from flask import Flask

from hhu_ranking.aggregation.profile import Ballot, Profile
from hhu_ranking.services import profiles, results


def best_ms(work: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best * 1000


def copies_profile(items: Any, rankings: Any) -> Profile:
    """The peer: every ranking its own ballot object, as profile_of made them before."""
    place = {item_id: (a,) for a, (item_id, _title) in enumerate(items)}
    return Profile(
        [title for _id, title in items],
        (Ballot(tuple(place[i] for i in ranking)) for ranking in rankings),
    )


def measure(count: int, item_count: int, repeats: int, rng: random.Random) -> str:
    items = [SimpleNamespace(id=100 + i, title=f"item {i}") for i in range(item_count)]
    round_ = SimpleNamespace(id=1, items=items, weighting="person")
    pairs = [(item.id, item.title) for item in items]
    rows = []
    for voter in range(1, count + 1):
        ranking = [item.id for item in items]
        rng.shuffle(ranking)
        rows.append(SimpleNamespace(participant_id=voter, ranking=ranking))
    organisations = {voter: f"partner:{voter % 40}" for voter in range(1, count + 1)}
    groups = {v: (("zorg", "welzijn", "wonen")[v % 3], "a") for v in range(1, count + 1)}
    rankings = [row.ranking for row in rows]

    def payload() -> None:
        results.compute_payload(round_, rows, organisations, groups)

    shared_ms = best_ms(lambda: profiles.profile_of(pairs, rankings), repeats)
    copies_ms = best_ms(lambda: copies_profile(pairs, rankings), repeats)
    payload_ms = best_ms(payload, repeats)
    original = profiles.profile_of
    profiles.profile_of = copies_profile  # type: ignore[assignment]
    try:
        peer_payload_ms = best_ms(payload, repeats)
    finally:
        profiles.profile_of = original
    return (
        f"ballots={count} items={item_count} profile_ms={shared_ms:.1f} "
        f"peer_profile_ms={copies_ms:.1f} ratio={shared_ms / copies_ms:.2f} "
        f"payload_ms={payload_ms:.1f} peer_payload_ms={peer_payload_ms:.1f} "
        f"ratio={payload_ms / peer_payload_ms:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ballots", type=int, nargs="+", default=[2000, 5000])
    parser.add_argument("--items", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    app = Flask(__name__)
    app.config["KEMENY_TIME_LIMIT"] = 10.0
    rng = random.Random(2016)
    with app.app_context():
        for count in args.ballots:
            print(measure(count, args.items, args.repeats, rng))


if __name__ == "__main__":
    main()
