"""Class 12: accounts. ``next`` stays on this site, known and unknown e-mails cost the same,
a login starts a fresh session, logging out (or a new password) ends every copy of the
session cookie and remember-me token, and failed logins are limited per account and per
address in the database, so the limits hold across workers and hosts."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

import pytest
import time_machine
from argon2 import PasswordHasher
from factories import parse_html
from sqlalchemy import func, select

from hhu_ranking import auth
from hhu_ranking.extensions import db
from hhu_ranking.models import LoginFailure, User, utcnow
from hhu_ranking.services import logins

EMAIL, PASSWORD = "leider@hhu.test", "geheim-wachtwoord"


def _text(response) -> str:
    return parse_html(response).get_text(" ", strip=True)


def _login(client, email=EMAIL, password=PASSWORD, next_=None, environ_base=None, **extra):
    url = "/auth/login" + (f"?next={next_}" if next_ is not None else "")
    return client.post(
        url, data={"email": email, "password": password, **extra}, environ_base=environ_base or {}
    )


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/%09/evil.example/",
        "/%0A/x",
        "/%0D%0ALocation:%20https://evil.example",
        "/\\evil.example",
        "%2F%5Cevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/%00/x",
        "/ /evil.example",
        "evil.example",
    ],
)
def test_next_never_leads_off_site(client, make_user, target):
    make_user()
    response = _login(client, next_=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/beheer/"


def test_next_to_a_page_of_this_site_is_followed(client, make_user):
    make_user()
    response = _login(client, next_="/beheer/sessies/nieuw?x=1")
    assert response.headers["Location"] == "/beheer/sessies/nieuw?x=1"


def test_an_unknown_email_does_the_same_argon2_work_as_a_known_one(client, make_user, monkeypatch):
    make_user()
    verified: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(auth, "_hasher", CountingHasher())
    known = _login(client, password="verkeerd-wachtwoord")
    unknown = _login(client, email="niemand@hhu.test", password="verkeerd-wachtwoord")
    assert known.status_code == unknown.status_code == 200
    assert _text(known) == _text(unknown)
    assert "E-mailadres of wachtwoord klopt niet." in _text(unknown)
    assert len(verified) == 2 and all(h.startswith("$argon2id$") for h in verified)


def test_a_login_starts_a_fresh_session(client, make_user):
    make_user()
    with client.session_transaction() as cookie:
        cookie["planted"] = "door een ander"
        cookie["lang"] = "en"
    _login(client)
    with client.session_transaction() as cookie:
        assert "planted" not in cookie
        assert cookie["lang"] == "en"
        assert cookie["_user_id"].endswith(":0")


def _copy_cookies(source, target) -> None:
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_logging_out_ends_every_copy_of_the_session_and_remember_me(app, make_user):
    make_user()
    browser = app.test_client()
    assert _login(browser, remember="y").status_code == 302
    stolen = app.test_client()
    _copy_cookies(browser, stolen)
    assert stolen.get("/beheer/").status_code == 200  # a copy works while logged in
    # the remember-me token alone works too
    remember_only = app.test_client()
    remember_only.set_cookie("remember_token", browser.get_cookie("remember_token").value)
    assert remember_only.get("/beheer/").status_code == 200

    browser.post("/auth/logout")
    for replay in (stolen, remember_only):
        response = replay.get("/beheer/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    # logging in again works, with a new generation in the cookie
    assert _login(browser).status_code == 302
    with browser.session_transaction() as cookie:
        assert cookie["_user_id"].endswith(":1")


def test_a_new_password_ends_every_session(app, client, make_user):
    user_id = make_user()
    _login(client, remember="y")
    assert client.get("/beheer/").status_code == 200
    with app.app_context():
        logins.set_password(db.session, db.session.get(User, user_id), "een-nieuw-wachtwoord")
        db.session.commit()
    assert client.get("/beheer/").status_code == 302
    assert _login(app.test_client(), password="een-nieuw-wachtwoord").status_code == 302


def test_a_cookie_with_a_bare_id_loads_no_one(app, client, make_user):
    user_id = make_user()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(user_id)
        cookie["_fresh"] = True
    assert client.get("/beheer/").status_code == 302


def _failures(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginFailure))


def test_an_account_takes_no_password_after_ten_failures_from_any_address(app, make_user):
    make_user()
    for attempt in range(logins.MAX_FAILURES_PER_ACCOUNT):
        # each from another address, as from several workers, hosts or a botnet
        client = app.test_client()
        response = client.post(
            "/auth/login",
            data={"email": EMAIL, "password": f"fout-{attempt}"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{attempt + 1}"},
        )
        assert response.status_code == 200
    assert _failures(app) == logins.MAX_FAILURES_PER_ACCOUNT
    with app.app_context():
        stored = db.session.scalars(select(LoginFailure.account)).all()
        assert EMAIL not in " ".join(stored)  # only digests are kept
    refused = _login(app.test_client(), environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert refused.status_code == 429
    assert "Er is te vaak een verkeerd wachtwoord geprobeerd." in _text(refused)
    assert _failures(app) == logins.MAX_FAILURES_PER_ACCOUNT  # a refusal records nothing
    with time_machine.travel(utcnow() + logins.WINDOW + timedelta(seconds=1)):
        assert _login(app.test_client()).status_code == 302
    assert _failures(app) == 0  # expired rows deleted, the account's cleared on success


def test_one_address_is_limited_across_accounts(app, make_user, monkeypatch):
    make_user()
    monkeypatch.setattr(logins, "MAX_FAILURES_PER_ADDRESS", 3)
    client = app.test_client()
    for attempt in range(3):
        _login(client, email=f"gok{attempt}@hhu.test", password="fout-wachtwoord")
    refused = _login(client)
    assert refused.status_code == 429
    with client.session_transaction() as cookie:
        assert "_user_id" not in cookie
    assert _login(app.test_client(), environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302
