"""``Image``, ``Audio`` and ``File``: tool return values that become content blocks.

FastMCP's names and arguments (``Image(path=...)`` or ``Image(data=..., format="png")``),
so a ported tool keeps its ``return Image(...)``.  Bytes are base64-encoded on return;
a ``path`` is read then (the file belongs to the server).
"""

from __future__ import annotations

import base64
import mimetypes
import os

from .. import types as t


class _Media:
    _kind = "application"

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        data: bytes | None = None,
        format: str | None = None,
        name: str | None = None,
    ) -> None:
        if (path is None) == (data is None):
            raise ValueError(f"{type(self).__name__}: give exactly one of path= or data=")
        self.path = None if path is None else os.fspath(path)
        self.data = data
        self.format = format
        self.name = name

    @property
    def mime_type(self) -> str:
        if self.format is not None:
            return self.format if "/" in self.format else f"{self._kind}/{self.format.lower()}"
        if self.path is not None:
            guessed, _ = mimetypes.guess_type(self.path)
            if guessed is not None:
                return guessed
        return "application/octet-stream" if self._kind == "application" else f"{self._kind}/png"

    def _b64(self) -> str:
        raw = self.data
        if raw is None:
            assert self.path is not None
            with open(self.path, "rb") as f:
                raw = f.read()
        return base64.b64encode(raw).decode("ascii")


class Image(_Media):
    """An image result (``ImageContent``); ``format`` such as ``"png"`` or a MIME type."""

    _kind = "image"

    def to_content(self) -> t.ImageContent:
        return t.ImageContent(data=self._b64(), mime_type=self.mime_type)


class Audio(_Media):
    """An audio result (``AudioContent``); ``format`` such as ``"wav"`` or a MIME type."""

    _kind = "audio"

    @property
    def mime_type(self) -> str:
        if self.format is None and self.path is None:
            return "audio/wav"
        return super().mime_type

    def to_content(self) -> t.AudioContent:
        return t.AudioContent(data=self._b64(), mime_type=self.mime_type)


class File(_Media):
    """A file result: an embedded resource (``file:///NAME``) holding its bytes."""

    def to_content(self) -> t.EmbeddedResource:
        name = self.name or (os.path.basename(self.path) if self.path else "file")
        return t.EmbeddedResource(
            resource=t.BlobResourceContents(
                uri=f"file:///{name}", mime_type=self.mime_type, blob=self._b64()
            )
        )


MEDIA_TYPES = (Image, Audio, File)
