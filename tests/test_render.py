from __future__ import annotations

from pathlib import Path

import pytest

from busdocs.content import values
from busdocs.data.loader import load_data

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def data():
    return load_data(ROOT)


@pytest.mark.parametrize(
    ("env", "name", "audience", "expected"),
    [
        ("production", "API_BASE_URL", "public", "https://api.university-bus-tracker.com"),
        ("staging", "API_BASE_URL", "public", "https://api.staging.university-bus-tracker.com"),
        ("production", "JWT_SECRET", "internal", "secret: prod/jwt/secret"),
        ("production", "PORT", "internal", "3000"),
        (None, "JWT_EXPIRES_IN", "public", "1h"),
    ],
)
def test_variable_value(data, env, name, audience, expected) -> None:
    assert values.variable_value(data, env, name, audience) == expected


@pytest.mark.parametrize(
    ("env", "name", "audience", "error", "fragment"),
    [
        ("production", "DATABASE_URL", "public", values.VisibilityError, "is internal and this page is public"),
        ("production", "NOPE", "internal", values.LookupFailed, "no variable 'NOPE'"),
        ("qa", "API_BASE_URL", "public", values.LookupFailed, "no environment 'qa'"),
    ],
)
def test_variable_errors(data, env, name, audience, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        values.variable_value(data, env, name, audience)


def test_public_table_holds_only_public_variables(data) -> None:
    public = values.variables_table(data, "production", "public")
    internal = values.variables_table(data, "production", "internal")
    assert "`API_BASE_URL`" in public and "`API_BASE_URL`" in internal
    assert "DATABASE_URL" not in public and "`DATABASE_URL`" in internal
    assert "Secrets Manager `prod/jwt/secret`" in internal


def test_needles_leave_out_public_and_trivial_values(data) -> None:
    needles = values.internal_needles(data)
    assert "prod/jwt/secret" in needles
    assert "ops.university-bus-tracker.com" in needles
    assert "3000" not in needles  # too common to mean a leak
    assert "https://api.university-bus-tracker.com" not in needles


def test_money_and_pass_table(data) -> None:
    assert values.money(data, 18000) == "PKR 18,000"
    table = values.passes_table(data)
    assert "| Semester pass | PKR 18,000 |" in table
    assert table.count("\n") == len(data.passes.types) + 1
