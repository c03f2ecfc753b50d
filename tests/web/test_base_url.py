"""One base URL: the QR code, the facilitator's link and the OpenAPI server agree."""

from __future__ import annotations

from hhu_ranking.services.qr import join_url

PUBLIC = "https://rank.healthhubutrecht.nl"


def test_every_absolute_link_starts_from_the_public_base_url(app, client, login, make_session):
    ids = make_session()
    app.config["PUBLIC_BASE_URL"] = PUBLIC + "/"
    facilitator = login()

    page = facilitator.get(f"/beheer/sessies/{ids['session_id']}").get_data(as_text=True)
    assert f">{PUBLIC}/j/{ids['code']}</a>" in page
    document = client.get("/api/v1/openapi.json").json
    assert document["servers"] == [{"url": f"{PUBLIC}/api/v1"}]
    with app.test_request_context("/", base_url="http://zaal.local:8000"):
        assert join_url(ids["code"]) == f"{PUBLIC}/j/{ids['code']}"


def test_without_a_public_base_url_links_use_the_requests_host(app, client):
    document = client.get("/api/v1/openapi.json", base_url="http://zaal.local:8000").json
    assert document["servers"] == [{"url": "http://zaal.local:8000/api/v1"}]
