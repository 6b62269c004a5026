"""Change notifications across workers: a pluggable subscription bus.

Each worker process has its own ``Server`` and its own connected clients.  When one worker
changes something (``server.resource_updated(uri)``, a tool added...), every worker must
tell *its* clients.  ``Server(bus=...)`` takes any object with ``publish(event)`` and
``subscribe(listener) -> unsubscribe``; this example fakes a broker (Redis pub/sub, NATS,
Postgres LISTEN/NOTIFY would do in production) by sending encoded events between two
``Server`` objects in one process.  Runs and exits:

    python examples/shared_bus.py
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import msgspec

import mcplite
from mcplite import ChangeEvent, Server, types


class FakeBroker:
    """Stands in for the network service every worker is connected to."""

    def __init__(self) -> None:
        self.channels: list[Callable[[bytes], None]] = []


class BrokerBus:
    """A ``SubscriptionBus``: what goes over the wire is bytes, as with a real broker."""

    def __init__(self, broker: FakeBroker) -> None:
        self.broker = broker

    def publish(self, event: ChangeEvent) -> None:
        payload = msgspec.json.encode(event)
        for deliver in list(self.broker.channels):
            deliver(payload)

    def subscribe(self, listener: Callable[[ChangeEvent], None]) -> Callable[[], None]:
        def deliver(payload: bytes) -> None:
            listener(msgspec.json.decode(payload, type=ChangeEvent))

        self.broker.channels.append(deliver)
        return lambda: self.broker.channels.remove(deliver)


def make_worker(broker: FakeBroker) -> Server:
    server = Server("inventory", bus=BrokerBus(broker))

    @server.resource("stock://{item}")
    def stock(item: str) -> str:
        return "42"

    return server


async def main() -> None:
    broker = FakeBroker()
    worker_a, worker_b = make_worker(broker), make_worker(broker)
    updated = asyncio.Event()

    def on_updated(params: types.ResourceUpdatedNotificationParams) -> None:
        print("client of worker A heard:", params.uri)
        updated.set()

    # subscribe_resource returns once the subscription is in place (2026-07-28: once the
    # server has acknowledged the subscriptions/listen stream that carries it).
    async with mcplite.connect(worker_a, on_resource_updated=on_updated) as client:
        await client.subscribe_resource("stock://apples")
        worker_b.resource_updated("stock://apples")  # the change happens on worker B
        await asyncio.wait_for(updated.wait(), timeout=5)


if __name__ == "__main__":
    asyncio.run(main())
