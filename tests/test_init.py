"""mcplite/__init__.py: the public names (``__all__``), their lazy loading, and the
errors exported there."""

from __future__ import annotations

import pytest

import mcplite
from mcplite import ResourceNotFound


def test_resource_not_found_is_public() -> None:
    exc = ResourceNotFound("a://b")
    assert exc.uri == "a://b" and isinstance(exc, mcplite.MCPError)
    assert "ResourceNotFound" in mcplite.__all__


def test_lazy_public_names() -> None:
    missing = [name for name in mcplite.__all__ if not hasattr(mcplite, name)]
    assert missing == []
    assert "OAuthClient" in dir(mcplite)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mcplite.nope  # noqa: B018
