"""Which channel each action type goes out on, and the validated delivery settings behind it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.settings import get_delivery_settings
from delivery.channels import DEFAULT_ACTION_CHANNELS, FILE_CHANNEL, ChannelRouter, Route
from emitters.registry import ACTION_TYPES

DELIVERY_VARIABLES = (
    "RCM_DELIVERY_FAX_URL",
    "RCM_DELIVERY_TEXT_URL",
    "RCM_DELIVERY_EMAIL_URL",
    "RCM_DELIVERY_CLEARINGHOUSE_URL",
    "RCM_DELIVERY_CHANNEL_MAP",
    "RCM_DELIVERY_AUTH_TOKEN",
    "RCM_DELIVERY_CONNECT_TIMEOUT_SECONDS",
    "RCM_DELIVERY_READ_TIMEOUT_SECONDS",
    "RCM_DELIVERY_MAX_ATTEMPTS",
    "RCM_DELIVERY_BACKOFF_BASE_SECONDS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in DELIVERY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_every_default_mapping_names_an_action_type_that_exists():
    assert set(DEFAULT_ACTION_CHANNELS) <= set(ACTION_TYPES)


def test_without_any_setting_everything_goes_to_the_outbox():
    router = ChannelRouter.from_settings(get_delivery_settings())
    assert {router.route(action_type) for action_type in ACTION_TYPES} == {Route(FILE_CHANNEL, None)}


def test_each_channel_gets_its_own_endpoint(clean_env):
    for channel in ("fax", "text", "email", "clearinghouse"):
        clean_env.setenv(f"RCM_DELIVERY_{channel.upper()}_URL", f"https://gateway.example/{channel}")
    router = ChannelRouter.from_settings(get_delivery_settings())
    assert router.route("reauth_packet") == Route("fax", "https://gateway.example/fax")
    assert router.route("slot_offer") == Route("text", "https://gateway.example/text")
    assert router.route("credential_renewal") == Route("email", "https://gateway.example/email")
    assert router.route("corrected_claim") == Route("clearinghouse", "https://gateway.example/clearinghouse")
    assert router.route("claim_audit_fix") == Route(FILE_CHANNEL, None)  # a task for the group's own staff


def test_the_channel_map_setting_overrides_the_defaults(clean_env):
    clean_env.setenv("RCM_DELIVERY_EMAIL_URL", "https://gateway.example/email")
    clean_env.setenv("RCM_DELIVERY_TEXT_URL", "https://gateway.example/text")
    clean_env.setenv("RCM_DELIVERY_CHANNEL_MAP", " slot_offer=EMAIL , claim_audit_fix=email, visit_reminder=file")
    router = ChannelRouter.from_settings(get_delivery_settings())
    assert router.route("slot_offer").channel == "email"
    assert router.route("claim_audit_fix").channel == "email"
    assert router.route("visit_reminder") == Route(FILE_CHANNEL, None)
    assert router.route("intake_family_nudge").channel == "text"  # untouched default


def test_timeouts_attempts_and_backoff_are_read_and_validated(clean_env):
    defaults = get_delivery_settings()
    assert (
        defaults.connect_timeout_seconds,
        defaults.read_timeout_seconds,
        defaults.max_attempts,
        defaults.backoff_base_seconds,
    ) == (5.0, 30.0, 4, 1.0)
    clean_env.setenv("RCM_DELIVERY_MAX_ATTEMPTS", "1")  # the smallest allowed: one try, no retry
    clean_env.setenv("RCM_DELIVERY_READ_TIMEOUT_SECONDS", "2.5")
    clean_env.setenv("RCM_DELIVERY_AUTH_TOKEN", "zq-secret-77")
    settings = get_delivery_settings()
    assert settings.max_attempts == 1 and settings.read_timeout_seconds == 2.5
    assert (
        "zq-secret-77" not in repr(settings) and settings.auth_token.get_secret_value() == "zq-secret-77"
    )  # the token never shows in a repr or a log line


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RCM_DELIVERY_MAX_ATTEMPTS", "0"),
        ("RCM_DELIVERY_CONNECT_TIMEOUT_SECONDS", "0"),
        ("RCM_DELIVERY_READ_TIMEOUT_SECONDS", "-1"),
        ("RCM_DELIVERY_BACKOFF_BASE_SECONDS", "soon"),
        ("RCM_DELIVERY_FAX_URL", "ftp://gateway.example/fax"),
        ("RCM_DELIVERY_FAX_URL", "not a url"),
        ("RCM_DELIVERY_CHANNEL_MAP", "slot_offer=pigeon"),
        ("RCM_DELIVERY_CHANNEL_MAP", "slot_offer"),
    ],
)
def test_bad_values_stop_at_start(clean_env, variable, value):
    clean_env.setenv(variable, value)
    with pytest.raises(ValidationError):
        get_delivery_settings()


def test_a_typo_in_an_action_type_of_the_channel_map_is_an_error(clean_env):
    clean_env.setenv("RCM_DELIVERY_CHANNEL_MAP", "slot_ofer=email")
    with pytest.raises(ValueError, match="slot_ofer"):
        ChannelRouter.from_settings(get_delivery_settings())


def test_env_example_lists_every_delivery_setting_with_its_default():
    from pathlib import Path

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    listed = dict(line.split("=", 1) for line in example.splitlines() if line.startswith("RCM_DELIVERY_"))
    assert set(listed) == set(DELIVERY_VARIABLES)
    defaults = get_delivery_settings()
    assert float(listed["RCM_DELIVERY_CONNECT_TIMEOUT_SECONDS"]) == defaults.connect_timeout_seconds
    assert float(listed["RCM_DELIVERY_READ_TIMEOUT_SECONDS"]) == defaults.read_timeout_seconds
    assert int(listed["RCM_DELIVERY_MAX_ATTEMPTS"]) == defaults.max_attempts
    assert float(listed["RCM_DELIVERY_BACKOFF_BASE_SECONDS"]) == defaults.backoff_base_seconds
    assert all(listed[f"RCM_DELIVERY_{c}_URL"] == "" for c in ("FAX", "TEXT", "EMAIL", "CLEARINGHOUSE"))


@pytest.mark.parametrize(
    "url, accepted",
    [
        ("https://gateway.example/fax", True),
        ("http://127.0.0.1:8080/fax", True),  # a receiver on this machine (tests, a local relay)
        ("http://localhost:8080/fax", True),
        ("http://gateway.example/fax", False),  # PHI and the bearer token would cross the network in clear
    ],
)
def test_webhook_endpoints_must_use_https_unless_on_this_machine(clean_env, url, accepted):
    clean_env.setenv("RCM_DELIVERY_FAX_URL", url)
    if accepted:
        assert str(get_delivery_settings().endpoints["fax"]).startswith(url.split("/fax")[0])
    else:
        with pytest.raises(ValidationError, match="must use https"):
            get_delivery_settings()
