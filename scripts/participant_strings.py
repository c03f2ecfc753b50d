"""Write the participant-facing strings into one catalogue for review (issue 11).

    .venv/bin/python scripts/participant_strings.py          # writes docs/participant-strings.po
    .venv/bin/python scripts/participant_strings.py --check  # exit 1 when the file is stale

Everything a person on a phone can read (the join, ballot and standing pages, the
privacy statement, the messages of the views and services they meet, and the join
and ballot forms), taken from the English catalogue with its Dutch source, so a
reviewer checks the Dutch for B1 (short sentences, everyday words) and the English
beside it in one file. ``scripts/translations.sh update`` rewrites it;
``tests/web/test_i18n.py`` fails when it lags behind.
"""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "hhu_ranking/translations/en/LC_MESSAGES/messages.po"
REVIEW_FILE = ROOT / "docs/participant-strings.po"

#: whole files a participant reads from
PARTICIPANT_FILES = (
    "templates/participate/",
    "templates/privacy/statement.html",
    "templates/errors/error.html",
    "hhu_ranking/views/participate.py",
    "hhu_ranking/services/participants.py",
    "hhu_ranking/services/ballots.py",
    "hhu_ranking/services/standing.py",
)
#: the forms on the phone, within hhu_ranking/forms.py
PARTICIPANT_FORMS = ("JoinForm", "BallotForm")


def _form_lines() -> set[int]:
    tree = ast.parse((ROOT / "hhu_ranking/forms.py").read_text(encoding="utf-8"))
    lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in PARTICIPANT_FORMS:
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _for_participants(location: tuple[str, int | None], form_lines: set[int]) -> bool:
    path, line = location
    if path == "hhu_ranking/forms.py":
        return line in form_lines
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in PARTICIPANT_FILES)


def render() -> bytes:
    with CATALOGUE.open("rb") as handle:
        full = read_po(handle)
    form_lines = _form_lines()
    review = Catalog(
        locale="en",
        project="hhu_ranking: what participants read",
        version="0.1.0",
        fuzzy=False,
        header_comment=(
            "# The participant-facing strings of hhu_ranking, for review: the Dutch\n"
            "# (msgid) at B1, the English (msgstr) beside it. Generated from\n"
            "# hhu_ranking/translations/en/LC_MESSAGES/messages.po by\n"
            "# scripts/participant_strings.py; edit messages.po and the sources, not this file."
        ),
    )
    for message in full:
        if not message.id:
            continue
        places = [loc for loc in message.locations if _for_participants(loc, form_lines)]
        if places:
            review.add(message.id, message.string, locations=places, flags=message.flags)
    out = io.BytesIO()
    write_po(out, review, width=100, omit_header=False, sort_output=True)
    # the header's creation date would change the file on every run
    return b"\n".join(
        line for line in out.getvalue().split(b"\n") if not line.startswith(b'"POT-Creation-Date')
    )


def main(argv: list[str]) -> int:
    content = render()
    if "--check" in argv:
        current = REVIEW_FILE.read_bytes() if REVIEW_FILE.exists() else b""
        if current != content:
            print(f"{REVIEW_FILE.relative_to(ROOT)} is stale: run scripts/translations.sh update")
            return 1
        return 0
    REVIEW_FILE.write_bytes(content)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
