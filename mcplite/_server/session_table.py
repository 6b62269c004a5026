"""The handshake-era HTTP session table: bounded, fair, least recently used out first (layer 3).

A full table used to refuse every new client until the idle timeout (30 min) freed a slot,
so 1,000 ``initialize`` POSTs locked everyone out.  Now a new session makes room: first
among the sessions of the same peer (so one client churning sessions only ever evicts its
own), then among everybody's, evicting the least recently used session with nothing in
flight (one without an open GET stream first).  A session with a request in flight is never
evicted.  A peer is the authenticated user when auth is on, else the client's address.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Final

from .._server.streamable_session import HTTPSession
from .._wire.http11_write import reason

__all__ = ["DEFAULT_MAX_SESSIONS_PER_PEER", "SessionTable"]

# A quarter of DEFAULT_MAX_SESSIONS: one peer (a client, or every client behind one NAT or proxy
# address when auth is off) cannot hold the whole table, and four busy peers still fit.
DEFAULT_MAX_SESSIONS_PER_PEER: Final = 250


def _evictable(sessions: Iterable[HTTPSession]) -> HTTPSession | None:
    best: HTTPSession | None = None
    best_key: tuple[bool, float] | None = None
    for sess in sessions:
        if sess.in_flight > 0 or sess.closed:
            continue
        key = (sess.standalone_live, sess.last_active)
        if best_key is None or key < best_key:
            best, best_key = sess, key
    return best


class SessionTable(dict[str, HTTPSession]):
    """``Mcp-Session-Id`` -> session, with the per-peer counts that admission needs."""

    def __init__(self, max_sessions: int, max_per_peer: int) -> None:
        super().__init__()
        self.max_sessions = max_sessions
        self.max_per_peer = max_per_peer
        self._peers: dict[Hashable, set[str]] = {}
        self._peer_of: dict[str, Hashable] = {}

    def admit(self, peer: Hashable) -> tuple[list[HTTPSession], tuple[int, str] | None]:
        """Make room for one more session of ``peer``.

        Returns the sessions removed to make room (the caller closes them) and, when no
        room can be made, the HTTP status and message to refuse with.
        """
        evicted: list[HTTPSession] = []
        mine = self._peers.get(peer)
        if mine is not None and len(mine) >= self.max_per_peer:
            victim = _evictable(self[sid] for sid in mine)
            if victim is None:
                return evicted, (
                    429,
                    f"{reason(429)}: this client already holds {len(mine)} sessions, all "
                    f"busy (max_sessions_per_peer={self.max_per_peer})",
                )
            self.remove(victim.id)
            evicted.append(victim)
        if len(self) >= self.max_sessions:
            victim = _evictable(self.values())
            if victim is None:
                return evicted, (
                    503,
                    f"{reason(503)}: {len(self)} sessions open, none idle "
                    f"(max_sessions={self.max_sessions})",
                )
            self.remove(victim.id)
            evicted.append(victim)
        return evicted, None

    def add(self, sess: HTTPSession, peer: Hashable) -> None:
        self[sess.id] = sess
        self._peers.setdefault(peer, set()).add(sess.id)
        self._peer_of[sess.id] = peer

    def remove(self, sid: str) -> HTTPSession | None:
        sess = self.pop(sid, None)
        peer = self._peer_of.pop(sid, None)
        if peer is not None:
            mine = self._peers.get(peer)
            if mine is not None:
                mine.discard(sid)
                if not mine:
                    del self._peers[peer]
        return sess

    def sessions_of(self, peer: Hashable) -> int:
        return len(self._peers.get(peer, ()))
