"""common.channel_layers: the Pub/Sub layer tells its channels when it loses Redis, and starts afresh.

Against a redis-server of the test's own (stopped and started by the test), no mock."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from common.channel_layers import OutageAwarePubSubChannelLayer
from tests.servers import RedisServer

pytestmark = pytest.mark.server


@pytest.fixture
def redis():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def _layer(redis) -> OutageAwarePubSubChannelLayer:
    return OutageAwarePubSubChannelLayer(hosts=[{"address": redis.url}], prefix="layer-test")


async def _receive(layer, channel, timeout=5.0):
    return await asyncio.wait_for(layer.receive(channel), timeout)


@pytest.mark.asyncio
async def test_group_messages_reach_every_channel_of_the_group(redis):
    layer = _layer(redis)
    first, second, outside = await layer.new_channel(), await layer.new_channel(), await layer.new_channel()
    await layer.group_add("ticket.1.public", first)
    await layer.group_add("ticket.1.public", second)
    await layer.group_send("ticket.1.public", {"type": "chat.message", "text": "Ventil getauscht"})
    assert await _receive(layer, first) == {"type": "chat.message", "text": "Ventil getauscht"}
    assert await _receive(layer, second) == {"type": "chat.message", "text": "Ventil getauscht"}
    with pytest.raises(asyncio.TimeoutError):
        await _receive(layer, outside, timeout=0.5)
    await layer.flush()


@pytest.mark.asyncio
async def test_losing_redis_tells_every_channel_once_and_the_layer_works_again_when_it_is_back(redis, caplog):
    layer = _layer(redis)
    channels = [await layer.new_channel() for _ in range(3)]
    await layer.group_add("ticket.1.public", channels[0])
    waiting = [asyncio.ensure_future(_receive(layer, channel, timeout=10)) for channel in channels]
    await asyncio.sleep(0.2)

    with caplog.at_level(logging.WARNING, logger="common.channel_layers"):
        redis.stop(kill=True)
        lost = await asyncio.gather(*waiting)
        await asyncio.sleep(1.5)  # an outage is one line, not a line a second
    assert lost == [{"type": "layer.lost"}] * 3
    warnings = [r.getMessage() for r in caplog.records if r.name == "common.channel_layers"]
    assert len(warnings) == 1
    assert warnings[0].startswith("channel layer lost its Redis subscription (ConnectionError: ")
    assert all(record.exc_info is None for record in caplog.records)

    # While Redis is away a new socket gets no channel (its handshake is refused with 4013).
    with pytest.raises(RedisConnectionError):
        await layer.new_channel()

    redis.start()
    # Back: nothing of before is carried over; new channels and groups work as on a fresh start.
    fresh = await layer.new_channel()
    await layer.group_add("ticket.1.public", fresh)
    await layer.group_send("ticket.1.public", {"type": "chat.message", "text": "wieder da"})
    assert await _receive(layer, fresh) == {"type": "chat.message", "text": "wieder da"}
    await layer.flush()
