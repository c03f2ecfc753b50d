"""The foundation: configuration, migrations, seed, accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from hhu_ranking.extensions import db
from hhu_ranking.models import CatalogueList, Organisation, Pillar, User


def test_health_check_reaches_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_seed_loads_the_catalogue_and_twice_changes_nothing(app, runner):
    with app.app_context():
        before = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Organisation, Pillar, CatalogueList)
        }
    assert before["Pillar"] == 6
    assert before["Organisation"] >= 60
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "+0" in result.output
    with app.app_context():
        after = {
            model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Organisation, Pillar, CatalogueList)
        }
        utrecht = db.session.scalar(
            select(Organisation).where(Organisation.name == "Gemeente Utrecht")
        )
        waarden = db.session.scalar(select(CatalogueList).where(CatalogueList.key == "waarden"))
        assert utrecht.tier.value == "founder"
        assert [p.key for p in utrecht.pillars] == ["beleid"]
        assert [i.title for i in waarden.items][:2] == ["Mensgericht", "Missiegedreven"]
    assert after == before


def test_create_user_command_adds_an_account_that_can_log_in(app, runner, client):
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "Trekker@HHU.test",
            "--name",
            "Trekker",
            "--role",
            "kerngroep",
            "--password",
            "een-lang-wachtwoord",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "trekker@hhu.test"))
        assert user is not None and user.password_hash.startswith("$argon2id$")
    ok = client.post(
        "/auth/login", data={"email": "trekker@hhu.test", "password": "een-lang-wachtwoord"}
    )
    assert ok.status_code == 302
    bad = client.post("/auth/login", data={"email": "trekker@hhu.test", "password": "fout"})
    assert bad.status_code == 200
    assert "klopt niet" in bad.get_data(as_text=True)


def test_create_user_refuses_a_short_password(runner):
    result = runner.invoke(
        args=["create-user", "--email", "a@hhu.test", "--name", "A", "--password", "kort"]
    )
    assert result.exit_code != 0
    assert "minstens" in result.output


def test_setup_creates_one_first_facilitator_and_prints_its_login_once(app, database_url, tmp_path):
    if database_url is None:
        # the SQLite fixture builds tables without migrations; setup needs an empty file
        from hhu_ranking import create_app

        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'setup.db'}",
            }
        )
    else:
        with app.app_context():
            db.session.execute(db.delete(User))
            db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "facilitator@hhu.local" in first.output
    password = first.output.split("wachtwoord:")[1].split()[0]
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0, second.output
    assert password not in second.output
    assert "create-user" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1
