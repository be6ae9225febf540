"""Tokens, /me, and what each kind of caller may do with tokens."""

import pytest
from sqlmodel import Session, select

from sykkelturen import cli
from sykkelturen.security import Token
from tests.conftest import Callers
from tests.factories import API, STALE, if_match, ok, problem


class TestMe:
    @pytest.mark.parametrize(
        ("who", "role", "counties", "personal"),
        [
            ("anonymous", "anonymous", [], False),
            ("reader", "reader", [], False),
            ("reader_personal", "reader", [], True),
            ("county_15", "county", ["15"], False),
            ("national", "national", [], False),
        ],
    )
    def test_says_who_calls(
        self, callers: Callers, who: str, role: str, counties: list[str], personal: bool
    ) -> None:
        me = ok(getattr(callers, who).get(f"{API}/me"))
        assert me["role"] == role
        assert me["counties"] == counties
        assert me["personal_data"] is personal
        assert (me["token_id"] is None) is (who == "anonymous")

    @pytest.mark.parametrize(
        "header", ["Bearer syk_unknown", "Basic dXNlcjpwdw==", "Bearer", "syk_x"]
    )
    def test_unknown_or_malformed_token_is_401(self, callers: Callers, header: str) -> None:
        response = callers.anonymous.get(f"{API}/me", headers={"Authorization": header})
        problem(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="sykkelturen"'


class TestTokens:
    def test_created_token_is_shown_once_and_stored_hashed(
        self, callers: Callers, session: Session
    ) -> None:
        created = ok(
            callers.national.post(
                f"{API}/tokens", json={"name": "Agder", "role": "county", "counties": ["42"]}
            ),
            201,
        )
        secret = created["token"]
        assert secret.startswith("syk_")
        assert len(secret) > 40
        stored = session.exec(select(Token).where(Token.id == created["id"])).one()
        assert secret not in stored.token_hash
        assert stored.prefix == secret[:10]
        listed = ok(callers.national.get(f"{API}/tokens", params={"limit": 500}))["items"]
        assert all("token" not in t for t in listed)
        me = ok(callers.anonymous.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}))
        assert me["counties"] == ["42"]

    def test_revoked_token_is_401(self, callers: Callers) -> None:
        created = ok(
            callers.national.post(f"{API}/tokens", json={"name": "old", "role": "reader"}), 201
        )
        revoked = ok(
            callers.national.delete(
                f"{API}/tokens/{created['id']}",
                headers=if_match(callers.national, f"{API}/tokens/{created['id']}"),
            )
        )
        assert revoked["revoked_at"] is not None
        problem(
            callers.anonymous.get(
                f"{API}/me", headers={"Authorization": f"Bearer {created['token']}"}
            ),
            401,
            "unauthorized",
        )
        active = [t["id"] for t in ok(callers.national.get(f"{API}/tokens"))["items"]]
        assert created["id"] not in active
        everything = [
            t["id"]
            for t in ok(callers.national.get(f"{API}/tokens", params={"include_revoked": True}))[
                "items"
            ]
        ]
        assert created["id"] in everything
        assert ok(callers.national.get(f"{API}/tokens/{created['id']}"))["revoked_at"] is not None

    @pytest.mark.parametrize(
        "data",
        [
            {"name": "x", "role": "county"},
            {"name": "x", "role": "national", "counties": ["15"]},
            {"name": "x", "role": "county", "counties": ["1"]},
            {"name": "x", "role": "national", "personal_data": True},
            {"name": "x", "role": "admin"},
            {"name": "", "role": "reader"},
            {"name": "x", "role": "reader", "token_hash": "abc"},
        ],
    )
    def test_bad_token_request_is_422(self, callers: Callers, data: dict[str, object]) -> None:
        problem(callers.national.post(f"{API}/tokens", json=data), 422, "validation_failed")

    def test_unknown_county_is_422(self, callers: Callers) -> None:
        problem(
            callers.national.post(
                f"{API}/tokens", json={"name": "x", "role": "county", "counties": ["99"]}
            ),
            422,
            "unknown_reference",
        )

    def test_unknown_token_is_404(self, callers: Callers) -> None:
        problem(callers.national.get(f"{API}/tokens/4242"), 404, "token_not_found")
        problem(
            callers.national.delete(f"{API}/tokens/4242", headers=STALE), 404, "token_not_found"
        )

    @pytest.mark.parametrize(
        ("who", "status"), [("anonymous", 401), ("reader", 403), ("county_15", 403)]
    )
    @pytest.mark.parametrize(
        ("method", "path"),
        [("GET", "/tokens"), ("POST", "/tokens"), ("GET", "/tokens/1"), ("DELETE", "/tokens/1")],
    )
    def test_only_national(
        self, callers: Callers, who: str, status: int, method: str, path: str
    ) -> None:
        response = getattr(callers, who).request(
            method, f"{API}{path}", json={"name": "x", "role": "reader"}
        )
        assert response.status_code == status


class TestTokenCommand:
    def test_create_prints_only_the_token(
        self,
        callers: Callers,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        settings_env: None,
    ) -> None:
        assert (
            cli.main(
                [
                    "token",
                    "create",
                    "--role",
                    "county",
                    "--county",
                    "15",
                    "--county",
                    "50",
                    "--name",
                    "Midt",
                ]
            )
            == 0
        )
        out = capsys.readouterr().out
        secret = out.strip()
        assert out == secret + "\n"
        me = ok(callers.anonymous.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}))
        assert me["counties"] == ["15", "50"]

    def test_list_and_revoke(
        self, callers: Callers, capsys: pytest.CaptureFixture[str], settings_env: None
    ) -> None:
        assert cli.main(["token", "list"]) == 0
        listing = capsys.readouterr().out
        assert "Møre og Romsdal contact" in listing
        token_id = int(listing.splitlines()[0].split("\t")[0])
        assert cli.main(["token", "revoke", str(token_id)]) == 0
        assert cli.main(["token", "revoke", "99999"]) == 1

    def test_bad_role_combination_fails_cleanly(
        self, capsys: pytest.CaptureFixture[str], settings_env: None
    ) -> None:
        assert cli.main(["token", "create", "--role", "county", "--name", "x"]) == 2
        assert "county token needs at least one county" in capsys.readouterr().err
