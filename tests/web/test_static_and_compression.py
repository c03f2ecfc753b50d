"""Light pages on venue Wi-Fi: versioned static files cached for good, compressed pages."""

from __future__ import annotations

import brotli
from factories import join, open_round


def _static_url(app, filename: str) -> str:
    with app.test_request_context():
        from flask import url_for

        return url_for("static", filename=filename)


def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(app, client):
    url = _static_url(app, "js/poll.js")
    assert url.startswith("/static/js/poll.") and url.endswith(".js")
    assert url != "/static/js/poll.js"
    response = client.get(url, buffered=True)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=315360000" in response.headers["Cache-Control"]


def test_static_files_come_pre_compressed(app, client):
    url = _static_url(app, "vendor/htmx-2.0.11/htmx.min.js")
    response = client.get(url, headers={"Accept-Encoding": "br, gzip"}, buffered=True)
    assert response.headers["Content-Encoding"] == "br"
    assert response.headers["Vary"] == "Accept-Encoding"
    original = app.static_folder + "/vendor/htmx-2.0.11/htmx.min.js"
    with open(original, "rb") as handle:
        assert brotli.decompress(response.data) == handle.read()
    assert len(response.data) < 20_000


def test_an_unversioned_static_url_still_works_but_is_revalidated(client):
    response = client.get("/static/js/poll.js", buffered=True)
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_the_ballot_page_is_compressed_and_links_versioned_files(app, client, make_session):
    ids = make_session()
    open_round(app, ids["round_id"])
    join(client, app, ids["code"])
    response = client.get(f"/j/{ids['code']}/stem", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    import gzip

    page = gzip.decompress(response.data).decode()
    assert "/static/js/rank.js" not in page
    assert "/static/js/rank." in page


def test_polls_answered_with_nothing_are_never_compressed(app, client, make_session):
    ids = make_session()
    open_round(app, ids["round_id"])
    join(client, app, ids["code"])
    first = client.get(f"/j/{ids['code']}/status")
    etag = first.headers["ETag"]
    again = client.get(
        f"/j/{ids['code']}/status",
        headers={"If-None-Match": etag, "Accept-Encoding": "br, gzip"},
    )
    assert again.status_code == 304
    assert "Content-Encoding" not in again.headers


def test_a_read_only_instance_folder_falls_back_to_plain_static_urls(monkeypatch, tmp_path):
    from hhu_ranking import create_app, static_files

    def refuse(static_root, cache_root):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(static_files, "build_cache", refuse)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert _static_url(app, "js/poll.js") == "/static/js/poll.js"
    with app.test_client() as client:
        assert client.get("/static/js/poll.js", buffered=True).status_code == 200


def test_our_own_scripts_are_served_minified_and_still_the_same_program(app, client):
    url = _static_url(app, "js/rank.js")
    served = client.get(url, buffered=True).get_data(as_text=True)
    with open(app.static_folder + "/js/rank.js", encoding="utf-8") as handle:
        source = handle.read()
    assert len(served) < 0.8 * len(source)
    assert "//" not in served.replace("://", "")  # no comment survives
    for name in ("window.Sortable.create", "js-ready", "withSortable"):  # the program stays
        assert name in source and name in served


def test_the_phone_pages_carry_their_styles_inline_and_fetch_no_stylesheet(
    app, client, make_session
):
    from factories import parse_html

    ids = make_session()
    open_round(app, ids["round_id"])
    for path in (f"/j/{ids['code']}", "/doe-mee"):
        page = parse_html(client.get(path).get_data(as_text=True))
        assert page.select('link[rel="stylesheet"]') == []
        style = page.select_one("head style").get_text()
        assert ".phone" in style and "\n" not in style.strip()
    join(client, app, ids["code"])
    page = parse_html(client.get(f"/j/{ids['code']}/stem").get_data(as_text=True))
    assert page.select('link[rel="stylesheet"]') == []
    # every other page links the shared stylesheet, cached for good
    login_page = parse_html(client.get("/login").get_data(as_text=True))
    assert [link["href"] for link in login_page.select('link[rel="stylesheet"]')][0].startswith(
        "/static/css/app."
    )
