"""Class 11: a state change whose ``Origin`` (or, without it, ``Referer``) names another site
is refused with a 403 and a clear message, htmx included, and changes nothing; the same
site and requests without either header go on to the CSRF check as before."""

from __future__ import annotations

from typing import Any

import pytest
from factories import join, parse_html, shows_ballot

from hhu_ranking.origin import is_foreign

HTMX = {"HX-Request": "true"}
REFUSED = "kwam van een andere website"


def _token(response: Any) -> str:
    field = parse_html(response).select_one('input[name="csrf_token"]')
    assert field is not None
    return str(field["value"])


def _logged_in(client: Any, session_id: int) -> str:
    """Log in (from this site) and return the token of the session page (a login makes a
    fresh session, so the login page's token no longer holds)."""
    token = _token(client.get("/auth/login"))
    response = client.post(
        "/auth/login",
        data={"email": "leider@hhu.test", "password": "geheim-wachtwoord", "csrf_token": token},
        headers={"Origin": "http://localhost"},
    )
    assert response.status_code == 302
    return _token(client.get(f"/beheer/sessies/{session_id}"))


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://localhost.evil.example"},
        {"Origin": "http://localhost:8666"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/aanval.html"},
        {"Origin": "https://evil.example", "Referer": "http://localhost/beheer/"},
    ],
)
def test_a_foreign_origin_cannot_lock_joining_even_with_a_valid_token(
    csrf_client, make_session, stored, headers
):
    ids = make_session()
    token = _logged_in(csrf_client, ids["session_id"])
    before = stored()
    for extra in ({}, HTMX):
        response = csrf_client.post(
            f"/beheer/sessies/{ids['session_id']}/deelname",
            data={"locked": "1", "csrf_token": token},
            headers={**headers, **extra, "X-CSRFToken": token},
        )
        assert response.status_code == 403
        assert REFUSED in parse_html(response).get_text(" ", strip=True)
    assert stored() == before
    page = csrf_client.get(f"/beheer/sessies/{ids['session_id']}").get_data(as_text=True)
    assert "Meedoen kan" in page


def test_the_same_origin_and_no_origin_pass_to_the_csrf_check(csrf_client, make_session, app):
    ids = make_session()
    token = _logged_in(csrf_client, ids["session_id"])
    url = f"/beheer/sessies/{ids['session_id']}/deelname"
    # same site, by Origin or by Referer, form and htmx: accepted with the token
    same = [
        {"Origin": "http://localhost"},
        {"Referer": "http://localhost/beheer/"},
        {"Origin": "http://LOCALHOST:80"},
        {},
    ]
    for n, headers in enumerate(same):
        locked = str(n % 2 == 0 and 1 or 0)
        response = csrf_client.post(
            url, data={"locked": locked}, headers={**headers, **HTMX, "X-CSRFToken": token}
        )
        assert response.status_code == 200, headers
    # the same site without a token is still refused by CSRF (400), not let through
    response = csrf_client.post(url, data={"locked": "1"}, headers={"Origin": "http://localhost"})
    assert response.status_code == 400


def test_a_phone_join_from_another_site_is_refused(client, app, make_session, stored):
    ids = make_session()
    before = stored()
    response = client.post(
        f"/j/{ids['code']}",
        data={"organisation": "Gemeente Utrecht", "pillar": ""},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert stored() == before
    # from the join page itself it works
    client.get(f"/j/{ids['code']}")
    assert shows_ballot(join(client, app, ids["code"]))


def test_public_base_url_counts_as_this_site(app, make_session):
    app.config["PUBLIC_BASE_URL"] = "https://stem.healthhubutrecht.nl"
    ids = make_session()
    client = app.test_client()
    response = client.post(
        f"/j/{ids['code']}",
        data={"organisation": "Gemeente Utrecht", "pillar": ""},
        headers={"Origin": "https://stem.healthhubutrecht.nl"},
    )
    assert response.status_code != 403


def test_the_api_takes_no_cookies_and_is_not_checked(client):
    response = client.post("/api/v1/anything", headers={"Origin": "https://evil.example"})
    assert response.status_code != 403 or REFUSED not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("origin", "referer", "foreign"),
    [
        (None, None, False),
        ("", None, False),
        ("http://localhost", None, False),
        ("https://localhost:443", None, False),
        ("http://localhost:5000", None, True),
        ("javascript:alert(1)", None, True),
        ("http://[::1", None, True),
        (None, "http://localhost/j/ABCDEF", False),
        (None, "https://evil.example/", True),
    ],
)
def test_is_foreign(app, origin, referer, foreign):
    with app.test_request_context("/", base_url="http://localhost"):
        assert is_foreign(origin, referer) is foreign
