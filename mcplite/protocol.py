"""The sans-I/O MCP core, for people who bring their own I/O (layer 4, public).

``Protocol`` is one MCP session in one role (h11 style, DESIGN.md §4): ``receive(payload)``
turns one framed message into events, and every call that produces output (``request``,
``notify``, ``respond``, ``cancel``) returns the bytes to write.  It reads no clock, opens no
socket and starts no task, so it runs over a blocking socket, stdin/stdout, a thread per
connection, or another event loop.  ``LineSplitter`` and ``frame`` are the stdio framing
(newline-delimited JSON, 2025-11-25 basic/transports.mdx "stdio").  docs/protocol.md has a
client and a server on a plain blocking socket.

What the core answers by itself comes back as ``ReplyReady`` (write its ``data``):
``initialize``, ``ping``, ``server/discover``, and errors for requests the session's revision
or capabilities refuse.  Everything else is an event for your code to handle.
"""

from ._core.codec import decode_params, decode_result
from ._core.events import (
    BatchReceived,
    CancelRequested,
    ClientState,
    ErrorReceived,
    Event,
    MessageDropped,
    NotificationReceived,
    ProgressReceived,
    ReplyReady,
    RequestReceived,
    ResponseReceived,
    ServerIdentity,
    SessionReady,
)
from ._core.jsonrpc import RequestId
from ._core.protocol import CLIENT_ROLE, SERVER_ROLE, Protocol
from ._wire.ndjson import DEFAULT_MAX_LINE_BYTES, LineSplitter, LineTooLong, frame

__all__ = [
    "CLIENT_ROLE",
    "DEFAULT_MAX_LINE_BYTES",
    "SERVER_ROLE",
    "BatchReceived",
    "CancelRequested",
    "ClientState",
    "ErrorReceived",
    "Event",
    "LineSplitter",
    "LineTooLong",
    "MessageDropped",
    "NotificationReceived",
    "ProgressReceived",
    "Protocol",
    "ReplyReady",
    "RequestId",
    "RequestReceived",
    "ResponseReceived",
    "ServerIdentity",
    "SessionReady",
    "decode_params",
    "decode_result",
    "frame",
]
