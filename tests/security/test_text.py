"""Class 10: names, titles and notes in NFC, without bidi controls or zero-width
characters, and duplicates found after that."""

from __future__ import annotations

import unicodedata

import pytest
from clock import days_from_today
from factories import edit_round_form, join, new_round_form, parse_html, participants

from hhu_ranking.services.text import INVISIBLE, clean_line, clean_text, text_key

RLO = "\u202e"
ZWSP = "\u200b"


def _text(response) -> str:
    return parse_html(response).get_text(" ", strip=True)


@pytest.mark.parametrize("code", sorted(INVISIBLE))
def test_every_invisible_character_is_removed(code):
    assert clean_text(f" Al{chr(code)}pha ") == "Alpha"


def test_the_list_covers_the_bidi_and_zero_width_characters_of_the_issue():
    wanted = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F}
    wanted |= {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF}
    assert wanted == INVISIBLE


def test_text_is_nfc_and_keys_match_what_a_reader_sees():
    decomposed = "Cafe\u0301"
    assert clean_text(decomposed) == "Café" and unicodedata.is_normalized(
        "NFC", clean_text(decomposed)
    )
    assert clean_line("Twee\n  regels") == "Twee regels"
    assert text_key("Al\u200bpha") == text_key("ALPHA") == text_key("Ａｌｐｈａ")


def test_alpha_and_al_zwsp_pha_are_one_item_twice(login, make_session, stored):
    ids = make_session()
    facilitator = login()
    before = stored()
    response = facilitator.post(
        f"/beheer/rondes/{ids['round_id']}/bewerken",
        data=edit_round_form(["Alpha", f"Al{ZWSP}pha", "Beta"]),
    )
    assert response.status_code == 400
    assert "Twee onderdelen hebben dezelfde titel." in _text(response)
    assert stored() == before


def test_a_new_round_stores_titles_without_bidi_overrides(app, login, make_session, stored):
    ids = make_session()
    facilitator = login()
    response = facilitator.post(
        f"/beheer/sessies/{ids['session_id']}/rondes/nieuw",
        data=new_round_form(
            title=f"Ronde {RLO}txt.exe",
            items_text=f"Gamma{RLO}\nDe{ZWSP}lta | uit{chr(0x2066)}leg\nCafe\u0301",
        ),
    )
    assert response.status_code == 302
    after = stored()
    titles = [t for (_rid, _pos, t) in after["items"] if _rid != ids["round_id"]]
    assert titles == ["Gamma", "Delta", "Café"]
    assert any(r[1] == "Ronde txt.exe" for r in after["rounds"])


def test_a_session_title_and_a_partner_name_are_cleaned(app, client, login, make_session):
    ids = make_session(ask_names=True)
    facilitator = login()
    made = facilitator.post(
        "/beheer/sessies/nieuw",
        data={
            "title": f"{RLO}Netwerk{ZWSP}dag",
            "held_on": days_from_today(0).isoformat(),
            "kind": "netwerkbijeenkomst",
            "coalition": "",
        },
    )
    assert made.status_code == 302
    assert "Netwerkdag" in _text(facilitator.get(made.headers["Location"]))
    join(client, app, ids["code"], organisation=f"Buurt{ZWSP}team {RLO}Oost", name=f"An{RLO}na")
    (person,) = participants(app, ids["session_id"])
    assert person["organisation"] == "Buurtteam Oost"
    with app.app_context():
        from hhu_ranking.extensions import db
        from hhu_ranking.models import Participant

        assert db.session.get(Participant, person["id"]).display_name == "Anna"
