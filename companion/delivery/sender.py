"""The sender: drains the outbox in lane order within Telegram's limits.

Why not PTB's AIORateLimiter: it queues requests first-in first-out, so a crisis reply would wait
behind every check-in already handed to it. Here the database chooses what goes next (emergency
lane first) and a small pacer spaces the sends: a global rate and a minimum gap per chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from companion.clock import Clock
from companion.delivery import outbox
from companion.delivery.outgoing import Reply, decode, markup
from companion.store.db import Database
from companion.store.models import OutboxMessage
from companion.vault import Vault

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF_S = 300.0


class Pacer:
    """A global rate (sends per second) that a 429's retry_after can pause."""

    def __init__(
        self,
        rate: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._monotonic, self._sleep = monotonic, sleep
        self._next = 0.0

    async def acquire(self) -> None:
        now = self._monotonic()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await self._sleep(slot - now)

    def pause(self, seconds: float) -> None:
        self._next = max(self._next, self._monotonic() + seconds)


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that this becomes a timedelta; both handled
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class Sender:
    """Sends outbox messages: emergency > reply > clinician > scheduled."""

    def __init__(
        self,
        db: Database,
        vault: Vault,
        clock: Clock,
        *,
        rate: float,
        chat_interval: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db, self.vault, self.clock = db, vault, clock
        self.chat_interval = chat_interval
        self.pacer = Pacer(rate, monotonic, sleep)
        self._monotonic = monotonic
        self._last_sent: dict[int, float] = {}
        self._in_flight: set[int] = set()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._burst = max(1, int(rate // 4))
        self.bot: Bot | None = None

    def wake(self) -> None:
        """New messages were queued: look now rather than at the next poll."""
        self._wake.set()

    def _chat_ready(self, chat_id: int) -> bool:
        if chat_id in self._in_flight:
            return False
        last = self._last_sent.get(chat_id)
        return last is None or self._monotonic() - last >= self.chat_interval

    async def _next_batch(self) -> list[OutboxMessage]:
        if len(self._last_sent) > 10_000:  # forget chats whose gap has long passed
            horizon = self._monotonic() - self.chat_interval
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > horizon}
        async with self.db.session() as session:
            heads = await outbox.ready_heads(session, self.clock.now(), self._burst * 4)
        return [row for row in heads if self._chat_ready(row.chat_id)][: self._burst]

    async def run(self, poll_seconds: float = 0.5) -> None:
        """Send forever (until cancelled). Re-reads the queue after each small burst, so a
        newly queued emergency message is next in line within a fraction of a second."""
        while True:
            batch = await self._next_batch()
            if not batch:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
                continue
            for row in batch:
                await self.pacer.acquire()
                self._in_flight.add(row.chat_id)
                task = asyncio.create_task(self._send(row))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def drain(self, max_messages: int = 10_000) -> int:
        """Send everything ready now, one at a time; for tests, the demo and the benchmarks."""
        sent = 0
        while sent < max_messages:
            batch = await self._next_batch()
            if not batch:
                return sent
            for row in batch:
                await self.pacer.acquire()
                self._in_flight.add(row.chat_id)
                await self._send(row)
                sent += 1
        return sent

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _send(self, row: OutboxMessage) -> None:
        try:
            reply = decode(
                self.vault.open(row.payload_sealed, context=row.seal_context("payload_sealed"))
            )
            message = await self._deliver(row.chat_id, reply)
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            self.pacer.pause(wait)
            log.warning("event=outbox_retry_after id=%s seconds=%s", row.id, wait)
            await self._record(
                outbox.mark_retry, row.id, self.clock.now() + timedelta(seconds=wait)
            )
        except Forbidden:
            log.info("event=outbox_blocked id=%s", row.id)
            await self._record(outbox.mark_blocked, row.chat_id)
        except BadRequest as error:
            log.warning("event=outbox_bad_request id=%s error=%s", row.id, type(error).__name__)
            await self._record(outbox.mark_done, row.id)
        except NetworkError as error:  # includes TimedOut: retry with backoff
            if row.attempts + 1 >= MAX_ATTEMPTS:
                log.error("event=outbox_gave_up id=%s error=%s", row.id, type(error).__name__)
                await self._record(outbox.mark_done, row.id)
            else:
                backoff = min(2.0 ** (row.attempts + 1), MAX_BACKOFF_S)
                log.info("event=outbox_network_retry id=%s in=%ss", row.id, backoff)
                await self._record(
                    outbox.mark_retry, row.id, self.clock.now() + timedelta(seconds=backoff)
                )
        except TelegramError as error:
            log.error("event=outbox_error id=%s error=%s", row.id, type(error).__name__)
            await self._record(outbox.mark_done, row.id)
        else:
            log.debug(
                "event=outbox_sent id=%s lane=%s message=%s", row.id, row.lane, message.message_id
            )
            await self._record(outbox.mark_done, row.id)
        finally:
            self._in_flight.discard(row.chat_id)
            self._last_sent[row.chat_id] = self._monotonic()

    async def _deliver(self, chat_id: int, reply: Reply) -> Message:
        if self.bot is None:
            raise RuntimeError("the sender has no bot yet")
        if reply.photo is not None:
            return await self.bot.send_photo(
                chat_id,
                reply.photo,
                caption=reply.text or None,
                reply_markup=markup(reply),
                protect_content=reply.protect,
            )
        return await self.bot.send_message(
            chat_id, reply.text, reply_markup=markup(reply), protect_content=reply.protect
        )

    async def _record(self, action: Callable[..., Awaitable[None]], *args: object) -> None:
        async with self.db.session() as session:
            await action(session, *args)
