"""_core/request_state: sealing and opening a 2026-07-28 requestState with the clock and the
key passed in (pure): what opens, and every way a state is refused."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from mcplite._core.base64url import b64url_encode
from mcplite._core.request_state import (
    DEFAULT_MAX_REQUEST_STATE_BYTES,
    EXPIRED_MESSAGE,
    INVALID_MESSAGE,
    STATE_VERSION,
    SealedState,
    seal,
    unseal,
)
from mcplite._errors import INVALID_PARAMS, RPCError

KEY = b"k" * 32
SEALED_AT = 1_000_000.0
TTL = 600.0
METHOD = "tools/call"
RESPONSES: dict[str, Any] = {"input_1": {"action": "accept", "content": {"name": "Ada"}}}
USER: Any = {"step": 2}


def _state() -> str:
    return seal(KEY, METHOD, RESPONSES, USER, now=SEALED_AT, ttl=TTL)


def _sealed_by_key_holder(payload: bytes, key: bytes = KEY) -> str:
    """A state with a valid MAC over any payload (what only a key holder can make)."""
    return (
        b64url_encode(payload)
        + "."
        + b64url_encode(hmac.new(key, payload, hashlib.sha256).digest())
    )


def _flip_payload_byte(state: str) -> str:
    body, _, tag = state.partition(".")
    return ("B" if body[5] != "B" else "C").join((body[:5], body[6:])) + "." + tag


@pytest.mark.parametrize(
    ("now", "key"),
    [
        (SEALED_AT, KEY),  # the next round, at once
        (SEALED_AT + TTL, KEY),  # exactly at the expiry: still valid
        # A worker whose clock is behind the sealer's (the state looks sealed in its future):
        # nothing in the state is compared with "now" but the expiry.
        (SEALED_AT - 3600.0, KEY),
    ],
    ids=["at-once", "at-expiry", "clock-behind-the-sealer"],
)
def test_a_sealed_state_opens(now: float, key: bytes) -> None:
    opened = unseal(
        key, _state(), method=METHOD, now=now, max_bytes=DEFAULT_MAX_REQUEST_STATE_BYTES
    )
    assert opened == SealedState(STATE_VERSION, SEALED_AT + TTL, METHOD, RESPONSES, USER)


REFUSALS: list[tuple[str, Callable[[], str], dict[str, Any], str]] = [
    # (id, the state sent back, unseal arguments that differ, the message)
    ("expired", _state, {"now": SEALED_AT + TTL + 0.001}, EXPIRED_MESSAGE),
    ("long-expired", _state, {"now": SEALED_AT + 10 * TTL}, EXPIRED_MESSAGE),
    ("wrong-key", _state, {"key": b"another key of 32 bytes........."}, INVALID_MESSAGE),
    ("another-method", _state, {"method": "prompts/get"}, INVALID_MESSAGE),
    ("tampered-payload", lambda: _flip_payload_byte(_state()), {}, INVALID_MESSAGE),
    (
        "tampered-mac",
        lambda: _state()[:-2] + ("AA" if _state()[-2:] != "AA" else "BB"),
        {},
        INVALID_MESSAGE,
    ),
    ("mac-missing", lambda: _state().partition(".")[0], {}, INVALID_MESSAGE),
    ("empty", lambda: "", {}, INVALID_MESSAGE),
    ("malformed-base64-char", lambda: "!" + _state()[1:], {}, INVALID_MESSAGE),
    ("malformed-base64-padded", lambda: _state() + "==", {}, INVALID_MESSAGE),
    ("malformed-base64-length", lambda: _state().partition(".")[0] + ".A", {}, INVALID_MESSAGE),
    ("non-ascii", lambda: "é." + _state().partition(".")[2], {}, INVALID_MESSAGE),
    ("too-long", _state, {"max_bytes": len(_state()) - 1}, INVALID_MESSAGE),
    (
        "older-version",
        lambda: _sealed_by_key_holder(
            msgspec.json.encode(SealedState(STATE_VERSION + 1, SEALED_AT + TTL, METHOD, {}))
        ),
        {},
        INVALID_MESSAGE,
    ),
    ("not-a-sealed-state", lambda: _sealed_by_key_holder(b'{"a":1}'), {}, INVALID_MESSAGE),
    ("not-json", lambda: _sealed_by_key_holder(b"\xff"), {}, INVALID_MESSAGE),
]


@pytest.mark.parametrize(
    ("state", "changes", "message"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_a_bad_state_is_refused_with_invalid_params(
    state: Callable[[], str], changes: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {
        "key": KEY,
        "method": METHOD,
        "now": SEALED_AT,
        "max_bytes": DEFAULT_MAX_REQUEST_STATE_BYTES,
    }
    args.update(changes)
    key = args.pop("key")
    with pytest.raises(RPCError) as info:
        unseal(key, state(), **args)
    assert info.value.code == INVALID_PARAMS and info.value.message == message


def test_the_expiry_is_the_sealing_clock_plus_the_ttl() -> None:
    state = seal(KEY, METHOD, {}, None, now=50.0, ttl=7.0)
    opened = unseal(KEY, state, method=METHOD, now=57.0, max_bytes=DEFAULT_MAX_REQUEST_STATE_BYTES)
    assert opened.expires == 57.0 and opened.responses == {} and opened.user is None
    # Sealing is deterministic for a given clock: no randomness in the pure layer.
    assert seal(KEY, METHOD, {}, None, now=50.0, ttl=7.0) == state
