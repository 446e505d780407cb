"""core.env: typed readers of the environment, one-line errors, masked values."""

import pytest

from core import env
from core.env import ConfigurationError


def error(monkeypatch, name, value, read):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError) as caught:
        read()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"puente: configuration error: {name}")
    return message


def test_the_error_is_a_system_exit_with_status_1_and_its_line():
    problem = ConfigurationError("X is wrong")
    assert isinstance(problem, SystemExit)
    # SystemExit with a message: Python prints it on stderr and exits with 1.
    assert problem.code == "puente: configuration error: X is wrong"


def test_required(monkeypatch):
    monkeypatch.delenv("PUENTE_T", raising=False)
    with pytest.raises(ConfigurationError, match="variable PUENTE_T is required in production$"):
        env.required("PUENTE_T")
    monkeypatch.setenv("PUENTE_T", "  value ")
    assert env.required("PUENTE_T") == "value"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", True), ("TRUE", True), ("yes", True), ("On", True)]
    + [("0", False), ("false", False), ("NO", False), ("off", False)],
)
def test_booleans(monkeypatch, text, expected):
    monkeypatch.setenv("PUENTE_T", text)
    assert env.boolean("PUENTE_T", not expected) is expected


@pytest.mark.parametrize("text", ["maybe", "2", "y", "truee", "-"])
def test_anything_else_is_not_a_boolean(monkeypatch, text):
    message = error(monkeypatch, "PUENTE_T", text, lambda: env.boolean("PUENTE_T", True))
    assert message.endswith(f"must be true or false (also 1/0, yes/no, on/off) (got '{text}')")


def test_unset_and_empty_give_the_default(monkeypatch):
    monkeypatch.setenv("PUENTE_T", "")
    assert env.boolean("PUENTE_T", True) is True
    assert env.integer("PUENTE_T", 7) == 7
    assert env.number("PUENTE_T", 0.5) == 0.5
    assert env.csv("PUENTE_T") == []
    assert env.optional_integer("PUENTE_T") is None
    monkeypatch.delenv("PUENTE_T")
    assert env.string("PUENTE_T", "d") == "d"


def test_numbers_and_their_ranges(monkeypatch):
    monkeypatch.setenv("PUENTE_T", "12")
    assert env.integer("PUENTE_T", 0, minimum=1, maximum=12) == 12
    assert "between 1 and 10" in error(
        monkeypatch, "PUENTE_T", "11", lambda: env.integer("PUENTE_T", 0, minimum=1, maximum=10)
    )
    assert "at least 0" in error(
        monkeypatch, "PUENTE_T", "-3", lambda: env.integer("PUENTE_T", 0, minimum=0)
    )
    assert "whole number" in error(
        monkeypatch, "PUENTE_T", "1.5", lambda: env.integer("PUENTE_T", 0)
    )
    for text in ("nan", "inf", "1e999"):
        assert "finite" in error(monkeypatch, "PUENTE_T", text, lambda: env.number("PUENTE_T", 0))
    monkeypatch.setenv("PUENTE_T", "0.25")
    assert env.number("PUENTE_T", 0, minimum=0, maximum=1) == 0.25


def test_csv_drops_blanks(monkeypatch):
    monkeypatch.setenv("PUENTE_T", " a, ,b ,, c")
    assert env.csv("PUENTE_T") == ["a", "b", "c"]


def test_urls(monkeypatch):
    monkeypatch.setenv("PUENTE_T", "redis://a:6379/0,rediss://b:6380/1")
    assert env.urls("PUENTE_T", ("redis", "rediss")) == ["redis://a:6379/0", "rediss://b:6380/1"]
    message = error(
        monkeypatch, "PUENTE_T", "https://a.example/x", lambda: env.url("PUENTE_T", path=False)
    )
    assert "without a path" in message
    message = error(monkeypatch, "PUENTE_T", "a.example", lambda: env.url("PUENTE_T"))
    assert "starting with http:// or https://" in message
    message = error(monkeypatch, "PUENTE_T", "http://a b", lambda: env.url("PUENTE_T"))
    assert "without spaces" in message
    message = error(monkeypatch, "PUENTE_T", "http://:80", lambda: env.url("PUENTE_T"))
    assert "with a host" in message


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("postgres://puente:hunter2@db:5432/x", "postgres://***@db:5432/x"),
        ("redis://:hunter2@r:6379/0,redis://r2", "redis://***@r:6379/0,redis://r2"),
        ("https://hunter2@o1.ingest.example/5", "https://***@o1.ingest.example/5"),
        ("puente:hunter2@db/x", "***@db/x"),
        ("http://h/x?user=a&password=hunter2&b=1", "http://h/x?user=a&password=***&b=1"),
        ("redis://h/0?sentinel_token=hunter2", "redis://h/0?sentinel_token=***"),
    ],
)
def test_values_are_shown_without_passwords(value, shown):
    assert env.mask(value) == shown
    assert "hunter2" not in env.mask(value)


def test_values_are_shortened_and_kept_on_one_line():
    assert env.mask("a\nb\x00c") == "a?b?c"
    long = env.mask("x" * 500)
    assert len(long) == env.SHOWN
    assert long.endswith("...")


def test_a_secret_is_never_quoted(monkeypatch):
    monkeypatch.setenv("PUENTE_T", "hunter2\nsecond")
    with pytest.raises(ConfigurationError) as caught:
        env.string("PUENTE_T", secret=True)
    assert str(caught.value) == "puente: configuration error: PUENTE_T must be one line"


def test_host_ports_and_hostnames(monkeypatch):
    monkeypatch.setenv("PUENTE_T", "s1:26379, s2 ,[::1]:26380")
    assert env.host_ports("PUENTE_T", 26379) == [("s1", 26379), ("s2", 26379), ("::1", 26380)]
    assert "between 1 and 65535" in error(
        monkeypatch, "PUENTE_T", "s1:0", lambda: env.host_ports("PUENTE_T", 1)
    )
    monkeypatch.setenv("PUENTE_T", ".example.org, a.example")
    assert env.hostnames("PUENTE_T") == [".example.org", "a.example"]


def test_ip_networks(monkeypatch):
    monkeypatch.setenv("PUENTE_T", "127.0.0.1, 10.0.0.0/8,::1")
    assert env.ip_networks("PUENTE_T", "") == "127.0.0.1, 10.0.0.0/8,::1"
    monkeypatch.setenv("PUENTE_T", "*")
    assert env.ip_networks("PUENTE_T", "") == "*"
    assert "IP addresses" in error(
        monkeypatch, "PUENTE_T", "localhost", lambda: env.ip_networks("PUENTE_T", "")
    )


def test_database_urls(monkeypatch):
    monkeypatch.setenv("PUENTE_T", "postgres://u:p@db:5432/puente?sslmode=require")
    config = env.database("PUENTE_T", engines=("django.db.backends.postgresql",))
    assert (config["HOST"], config["NAME"], config["OPTIONS"]) == (
        "db",
        "puente",
        {"sslmode": "require"},
    )
    message = error(monkeypatch, "PUENTE_T", "p://u:hunter2@db/x", lambda: env.database("PUENTE_T"))
    assert "hunter2" not in message
    assert "must be a database URL" in message
