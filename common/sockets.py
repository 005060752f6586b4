"""What every WebSocket of Leitstand shares (the ticket conversation, the ticket list, video calls):
the channel layer guarded so that Redis going away closes sockets with a clear code instead of
crashing them, a per-socket rate limit, and the checks of numbers in frames."""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
import sys
import time
import weakref

from asgiref.sync import async_to_sync
from channels.consumer import get_handler_name
from channels.exceptions import ChannelFull, StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
# The live layer (Redis) is unavailable: reconnect later. (1013 "try again later" would be the
# protocol's own code, but daphne refuses to send it: applications have 4000–4999.)
CLOSE_TRY_AGAIN = 4013

# The largest id or count a frame may name (JSON numbers beyond it are refused, not overflowed).
MAX_WHOLE_NUMBER = 2**53

def whole_number(value, *, default, maximum: int = MAX_WHOLE_NUMBER):
    """A non-negative whole number from a frame field (an int, or digits in a string), or
    ``default`` when it is missing; anything else (floats, 1e400, booleans, negatives) is a
    ValueError the consumer answers with "bad_frame"."""
    if value is None or value == "":
        return default
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 16:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ValueError("not a whole number in range")
    return value


def quiet_layer_outages(loop: asyncio.AbstractEventLoop) -> None:
    """channels-redis starts background tasks of its own (e.g. cleaning a receive backup) whose
    connection errors during a Redis outage asyncio would report as "Task exception was never
    retrieved" with a traceback. An expected outage is one log line: those become a warning; every
    other unhandled error still goes to the loop's default handler."""
    if getattr(loop, "_leitstand_quiet_outages", False):
        return
    loop._leitstand_quiet_outages = True
    previous = loop.get_exception_handler()

    def handler(loop, context):
        error = context.get("exception")
        if isinstance(error, (ConnectionError, TimeoutError, RedisError)):
            logger.warning("channel layer background task: %s", describe(error))
        elif previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def describe(error: BaseException | None) -> str:
    """An expected outage (Redis away) is one log line, not a traceback: kind and message."""
    return f"{type(error).__name__}: {error}"



class TokenBucket:
    """Per-connection rate limit: a burst, refilled steadily."""

    def __init__(self, burst: int, per_second: float):
        self.capacity, self.rate = burst, per_second
        self.tokens, self.stamp = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False



class LayerGuardedConsumer(AsyncWebsocketConsumer):
    """Channels' consumer loop with the channel layer guarded, for every socket of Leitstand: a
    handshake without a layer is accepted and closed with 4013 ("try again later"); when the
    layer is lost (the list layer's receive fails, or the Pub/Sub layer delivers ``layer.lost``,
    ``common.channel_layers``) every socket of the process closes with 4013, so that its page
    reconnects and catches up; never a crashed consumer."""

    # The open sockets of this process (registered by the subclass once it is open).
    open_sockets: "weakref.WeakSet[LayerGuardedConsumer]" = weakref.WeakSet()

    async def __call__(self, scope, receive, send):
        quiet_layer_outages(asyncio.get_running_loop())
        self.scope, self.base_send = scope, send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        try:
            self.channel_name = await self.channel_layer.new_channel()
        except Exception:  # noqa: BLE001 - a layer that needs Redis for a new channel (Pub/Sub)
            logger.warning("channel layer unavailable for a new socket: %s", describe(sys.exc_info()[1]))
            return await self._refuse_without_layer(receive)
        self.layer_gone = False
        try:
            await await_many_dispatch([receive, self._layer_receive], self.dispatch)
        except StopConsumer:
            pass
        except asyncio.CancelledError:
            # The server gave up on this socket (a handshake too slow under a storm) and cancels
            # it without a disconnect: still leave, or others would keep a ghost.
            await asyncio.wait_for(asyncio.shield(self._leave()), timeout=5)
            raise

    async def _refuse_without_layer(self, receive):
        """A handshake while the layer is down: accepted and closed with 4013 ("try again later")."""
        message = await receive()
        if message["type"] == "websocket.connect":
            await self.base_send({"type": "websocket.accept"})
            await self.base_send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN})

    async def _layer_receive(self):
        if not self.layer_gone:
            try:
                return await self.channel_layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - Redis went away (or its connection broke)
                logger.warning("channel layer lost (%s): closing this process's sockets with 4013", describe(error))
                for consumer in list(LayerGuardedConsumer.open_sockets):
                    consumer.layer_gone = True
                    if consumer is not self:
                        asyncio.ensure_future(consumer._close_for_layer())
                return {"type": "layer.lost"}
        await asyncio.Event().wait()  # nothing more from the layer; the socket is closing

    async def layer_lost(self, event):
        """The layer lost Redis (one message per channel of the process, or our own receive failed):
        nothing more comes from it on this channel."""
        self.layer_gone = True
        await self._close_for_layer()

    async def _close_for_layer(self):
        if getattr(self, "closing", False):
            return
        self.closing = True
        await self.close(code=CLOSE_TRY_AGAIN)

    async def disconnect(self, code):
        await self._leave()

    async def _leave(self):
        """Every exit path comes here (subclasses leave their groups too)."""
        LayerGuardedConsumer.open_sockets.discard(self)

    async def _layer(self, call) -> bool:
        """Await a channel-layer call; a full channel or a dead Redis is logged, not raised."""
        try:
            await call
        except ChannelFull:
            logger.warning("channel layer full: %s", self.channel_name)
            return False
        except Exception as error:  # noqa: BLE001 - Redis down, timeouts: the socket stays, presence degrades
            logger.warning("channel layer unavailable for %s: %s", self.channel_name, describe(error))
            return False
        return True

    async def dispatch(self, message):
        """Without Channels' extra ``close_old_connections`` per dispatched message: every database
        call here goes through ``database_sync_to_async``, which does that around each call."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)




# --- pushing from sync code -------------------------------------------------------------------------

# Set by a socket (``push_without_waiting``): pushes caused by its frames are handed to its event
# loop and not waited for, so the socket's database thread goes on with the next frame at once.
_push_loop: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar("leitstand_push_loop", default=None)


def push_without_waiting(loop: asyncio.AbstractEventLoop) -> None:
    """Called by a consumer on its event loop: what its service calls push goes out on ``loop``,
    in order, without the database thread waiting for Redis (pages fetch a late number anyway)."""
    _push_loop.set(loop)


def group_send_from_sync(group: str, message: dict) -> None:
    """A group message from sync code (a service's subscriber, a view, a task): handed to the
    socket's loop when a socket's frame caused it (``push_without_waiting``), else sent and waited
    for; a dead layer is one warning (the pages catch up), never an error for what changed the data."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # the normal case: sync code (a view, a task, a consumer's database thread)
    else:
        # Sync code on an event loop's own thread (only a test driving a browser does this).
        logger.debug("not pushed to %s: called on an event loop thread", group)
        return
    loop = _push_loop.get()
    if loop is not None and loop.is_running():
        loop.call_soon_threadsafe(lambda: loop.create_task(_guarded_group_send(layer, group, message)))
        return
    async_to_sync(_guarded_group_send)(layer, group, message)


async def _guarded_group_send(layer, group: str, message: dict) -> None:
    try:
        await layer.group_send(group, message)
    except Exception as error:  # noqa: BLE001 - a dead layer must not break what changed the data
        # Expected during a Redis outage (the pages catch up by number): one line, no traceback.
        logger.warning("could not push to %s: %s: %s", group, type(error).__name__, error)
