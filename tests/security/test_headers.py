"""Class 17: security headers on every page; logged-in pages are never stored."""

from __future__ import annotations

import pytest

from hhu_ranking.headers import content_security_policy


def _directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


@pytest.mark.parametrize("path", ["/", "/auth/login", "/j/", "/niet-hier", "/healthz"])
def test_every_page_has_the_security_headers(client, path):
    response = client.get(path)
    csp = _directives(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_the_big_screen_may_be_framed_by_this_site_only(client, make_session):
    ids = make_session()
    response = client.get(f"/scherm/{ids['code']}")
    assert response.status_code == 200
    assert _directives(response)["frame-ancestors"] == "'self'"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_hsts_over_https(client):
    response = client.get("/", base_url="https://stem.example.nl")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_when_configured_for_https(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Strict-Transport-Security" in client.get("/").headers


def test_logged_in_pages_are_never_stored(app, login, make_session):
    ids = make_session()
    facilitator = login()
    for path in ("/beheer/", f"/beheer/sessies/{ids['session_id']}", "/uitkomsten/"):
        response = facilitator.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store", path
    # a poll that revalidates with an ETag keeps doing so, privately
    status = facilitator.get(f"/beheer/sessies/{ids['session_id']}/stand")
    assert status.status_code == 200 and status.headers["ETag"]
    assert status.headers["Cache-Control"] == "no-cache, private"


def test_a_page_for_no_one_in_particular_keeps_its_caching(client):
    assert "Cache-Control" not in client.get("/").headers


def test_the_policy_names_no_other_site():
    for policy in (content_security_policy(), content_security_policy(frameable=True)):
        assert "http" not in policy and "*" not in policy
