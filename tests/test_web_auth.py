"""QA_AUTH parsing for the web server's login (no server started)."""

from __future__ import annotations

import pytest

from qa.app.server import auth_from_env
from qa.errors import QAError


def test_no_login_by_default(monkeypatch):
    monkeypatch.delenv("QA_AUTH", raising=False)
    assert auth_from_env() is None


def test_user_and_password(monkeypatch):
    monkeypatch.setenv("QA_AUTH", "ann:s3cret:with-colon")
    assert auth_from_env() == [("ann", "s3cret:with-colon")]


@pytest.mark.parametrize("raw", ["annonly", ":pw", "ann:"])
def test_malformed_login_is_a_clear_error(monkeypatch, raw):
    monkeypatch.setenv("QA_AUTH", raw)
    with pytest.raises(QAError, match="user:password"):
        auth_from_env()
