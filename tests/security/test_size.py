"""Class 3: every body is bounded; the ballot import alone may send more. 413 otherwise."""

from __future__ import annotations

import io

import pytest
from factories import join, open_round, parse_html


def _text(response) -> str:
    return parse_html(response).get_text(" ", strip=True)


TOO_LARGE = "Wat je stuurde is groter dan deze pagina aanneemt."


def test_a_huge_urlencoded_ballot_is_a_413_and_stores_nothing(app, client, make_session, stored):
    ids = make_session()
    open_round(app, ids["round_id"])
    join(client, app, ids["code"])
    before = stored()
    response = client.post(
        f"/j/{ids['code']}/stem",
        data={"round_id": ids["round_id"], "ranking": ids["item_ids"], "x": "a" * 5_000_000},
    )
    assert response.status_code == 413
    assert TOO_LARGE in _text(response)
    assert stored() == before


def test_two_hundred_thousand_fields_are_a_413(app, client, make_session, stored):
    ids = make_session()
    before = stored()
    body = "&".join(f"f{i}=" for i in range(200_000))[: 256 * 1024 - 10]
    response = client.post(
        f"/j/{ids['code']}", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert TOO_LARGE in _text(response)
    assert stored() == before


@pytest.mark.parametrize(
    ("path", "data"),
    [
        pytest.param(
            "/beheer/rondes/{round_id}/bewerken",
            {f"f{i}": "x" for i in range(2000)},
            id="too-many-parts",
        ),
        pytest.param(
            "/beheer/sessies/{session_id}/rondes/nieuw",
            {"title": "x", "items_text": "Alpha\n" * 40_000},
            id="a-large-text-field",
        ),
    ],
)
def test_a_multipart_body_past_the_limits_is_a_413(app, login, make_session, stored, path, data):
    ids = make_session()
    facilitator = login()
    before = stored()
    response = facilitator.post(path.format(**ids), data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert TOO_LARGE in _text(response)
    assert stored() == before


def test_the_import_takes_a_file_larger_than_any_other_page(app, login, make_session, stored):
    ids = make_session()
    open_round(app, ids["round_id"])
    facilitator = login()
    rows = "Mensgericht,Missiegedreven,Regiobreed\n" * 100
    # 400 kB of comments and blank lines past the ballots: above the 256 kB of every other page
    padding = "\n" * 400_000
    data = ("plaats 1,plaats 2,plaats 3\n" + rows + padding).encode()
    response = facilitator.post(
        f"/import/ronde/{ids['round_id']}",
        data={"file": (io.BytesIO(data), "papier.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, _text(response)
    assert len(stored()["ballots"]) == 100


def test_a_file_beyond_the_import_limit_is_a_413_that_names_the_limit(
    app, login, make_session, stored
):
    ids = make_session()
    open_round(app, ids["round_id"])
    facilitator = login()
    before = stored()
    # the body written out: the test client would spool a file this size to a temporary
    # file that nobody closes when the app refuses it unread
    body = (
        b"--grens\r\n"
        b'Content-Disposition: form-data; name="file"; filename="papier.csv"\r\n\r\n'
        + b"x" * 2_000_000
        + b"\r\n--grens--\r\n"
    )
    response = facilitator.post(
        f"/import/ronde/{ids['round_id']}",
        data=body,
        content_type="multipart/form-data; boundary=grens",
    )
    assert response.status_code == 413
    assert "Dit bestand is te groot: een bestand mag hoogstens 1100 kB zijn." in _text(response)
    assert stored() == before
