"""The sender: drains the outbox in lane order within Telegram's limits.

Why not PTB's AIORateLimiter: it queues requests first-in first-out, so a crisis reply would wait
behind every check-in already handed to it. Here the database chooses what goes next (emergency
lane first) and a small pacer spaces the sends: a global rate and a minimum gap per chat.

With paid broadcasts on (COMPANION_PAID_BROADCAST), scheduled messages go as Telegram paid
broadcasts, paced by a second pacer at the paid ceiling (up to 1,000 a second); the other lanes
keep the free rate and their priority, and never wait behind the paid fan-out.

With several workers only the leader's sender sends (see leader.py): one pacer for everyone's
messages, so both limits hold across workers. Each burst is also claimed in the database, so a
leader that lost its lock without noticing yet and the one after it never send the same row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from companion.clock import Clock
from companion.delivery import outbox
from companion.delivery.leader import Leader
from companion.delivery.outbox import Queued
from companion.delivery.outcomes import GROUP_SPACING_S, Action, Outcomes
from companion.delivery.outgoing import Reply, decode, deliver
from companion.delivery.pacer import Pacer, retry_after_seconds
from companion.store.alerts import audit_failed_delivery
from companion.store.db import Database
from companion.store.models import Lane
from companion.vault import Vault, VaultError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
MAX_BACKOFF_S = 300.0
HEADROOM = 0.01  # pace at 99% of the configured rate: see Pacer
# Paid broadcasts, at up to 1,000 a second: slots the event loop (or a busy machine) was late
# for are caught up, up to 50 ms behind, and no second holds more than 98.5% of the ceiling
# (see Pacer): a 429 would pause the fan-out for a whole second or more.
PAID_HEADROOM, PAID_CATCH_UP = 0.015, 0.05
# On PostgreSQL a chosen burst is another sender's to leave alone for this long: it is sent and
# written down in well under a second; if its sender dies first, it goes out after this.
SENDING_LEASE = timedelta(seconds=10)
# Start choosing the next burst this many sends before this one ends: 8, or half the burst for
# the paid fan-out's long ones (choosing took up to 0.4 s on a busy machine).
PREFETCH_SLOTS = 8
PAUSED_LOOK_S = 0.1  # while a 429 pauses the paid fan-out, look for other lanes' rows this often
# Told of a message given up on (outbox key, chat, error name, when), after its outcome is
# written: the alerts' audit log records failed deliveries to clinicians this way.
FailureHook = Callable[[AsyncSession, str, int, str, datetime], Awaitable[None]]


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
        paid_rate: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_failure: FailureHook | None = audit_failed_delivery,
    ) -> None:
        self.db, self.vault, self.clock = db, vault, clock
        self.on_failure = on_failure
        self._failures: dict[int, str] = {}  # outbox id -> error name, until the hook is told
        self.chat_interval = chat_interval
        self.pacer = Pacer(rate, monotonic, sleep, headroom=HEADROOM)
        # Paid broadcasts: scheduled sends go with allow_paid_broadcast, paced at paid_rate, and
        # every send counts against it; the other lanes keep the free rate above as well.
        self.paid_pacer = (
            Pacer(paid_rate, monotonic, sleep, headroom=PAID_HEADROOM, catch_up=PAID_CATCH_UP)
            if paid_rate
            else None
        )
        self._monotonic = monotonic
        self._last_sent: dict[int, float] = {}
        self._in_flight: set[int] = set()  # chats with a message chosen and not yet settled
        self.outcomes = Outcomes(db, monotonic, spacing=GROUP_SPACING_S if paid_rate else 0.0)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._burst = max(1, int(max(rate, paid_rate or 0) // 4))
        self.bot: Bot | None = None
        self.leader = Leader(db)
        self._upcoming: asyncio.Task[list[Queued]] | None = None  # the next burst, being chosen
        self._ahead: asyncio.Task[list[Queued]] | None = None  # higher lanes, during a burst

    def wake(self) -> None:
        """New messages were queued: look now rather than at the next poll."""
        self._wake.set()

    def _chat_ready(self, chat_id: int) -> bool:
        if chat_id in self._in_flight:
            return False
        last = self._last_sent.get(chat_id)
        return last is None or self._monotonic() - last >= self.chat_interval

    async def _next_batch(self, above: int | None = None) -> list[Queued]:
        """Choose the next burst and reserve it: a message still being sent (or whose outcome is
        not yet written down) is never chosen again, nor another message to the same chat.
        `above`: only messages of the lanes that go before that one."""
        await self.outcomes.record_leftovers()
        started = self._monotonic()
        if len(self._last_sent) > 10_000:  # forget chats whose gap has long passed
            horizon = started - self.chat_interval
            self._last_sent = {c: t for c, t in self._last_sent.items() if t > horizon}
        settled, reserved = self.outcomes.settled, self.outcomes.reserved
        if len(settled) > 10_000:  # no query in flight is older than a minute
            self.outcomes.settled = settled = {i: t for i, t in settled.items() if t > started - 60}
        async with self.db.session() as session:
            heads = await outbox.ready_heads(
                session, self.clock.now(), self._burst * 4, above=above
            )
        batch = []
        for row in heads:
            # A row settled after this query began is stale here (already sent, or put off).
            stale = settled.get(row.id, -1.0) >= started
            if not stale and row.id not in reserved and self._chat_ready(row.chat_id):
                reserved.add(row.id)
                self._in_flight.add(row.chat_id)
                batch.append(row)
                if len(batch) == self._burst:
                    break
        if batch and self.leader.shared:
            return await self._claim(batch)
        return batch

    async def _claim(self, batch: list[Queued]) -> list[Queued]:
        """Put the burst off for every other sender (one statement a burst); keep what we got."""
        now = self.clock.now()
        async with self.db.session() as session:
            ids = [row.id for row in batch]
            got = await outbox.claim(session, ids, now, now + SENDING_LEASE)
        for row in batch:
            if row.id not in got:
                self.outcomes.reserved.discard(row.id)
                self._in_flight.discard(row.chat_id)
        return [row for row in batch if row.id in got]

    async def run(self, poll_seconds: float = 0.5) -> None:
        """Send forever (until cancelled), a small burst at a time, while this worker leads.
        The next burst is chosen just before this one's last few slots, so the pacer never
        waits on the database, and a newly queued emergency message is chosen within a burst
        (a fraction of a second; from another worker's handler, within `poll_seconds`)."""
        try:
            await self._run(poll_seconds)
        finally:
            # The burst being chosen is dropped (on PostgreSQL its claim runs out for the next
            # leader), and the lock goes at once.
            for task in (self._upcoming, self._ahead):
                if task is not None:
                    task.cancel()
                    await asyncio.gather(task, return_exceptions=True)
            await self.leader.resign()

    async def _run(self, poll_seconds: float) -> None:
        batch = await self._next_led_batch()
        while True:
            if not batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
                # Cleared before looking, so a wake-up during the look is not lost.
                self._wake.clear()
                batch = await self._next_led_batch()
                continue
            self._upcoming = None
            position = 0
            while position < len(batch):
                self._look_ahead(batch[position].lane)
                self._cut_in(batch, position)
                row = batch[position]
                position += 1
                if self._paid_paused(row):
                    # A 429 paused the paid fan-out: its rows wait in the outbox, not here,
                    # so the next look finds any crisis reply queued meanwhile.
                    self._release(batch[position - 1 :])
                    await asyncio.sleep(PAUSED_LOOK_S)
                    break
                if self._upcoming is None and len(batch) - position < max(
                    PREFETCH_SLOTS, len(batch) // 2
                ):
                    self._upcoming = asyncio.create_task(self._next_led_batch())
                if self.paid_pacer is not None and self._pacer(row) is self.pacer:
                    # Paid fan-out on: another lane's message waits for its free rate in a
                    # task of its own, so neither holds the other up.
                    task = asyncio.create_task(self._paced_send(row))
                else:
                    await self._pace(row)
                    task = asyncio.create_task(self._send(row))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            # Chosen a moment early, it may have missed rows queued since: look again if empty.
            upcoming = await self._upcoming if self._upcoming is not None else None
            if self._ahead is not None:
                upcoming = await self._ahead + (upcoming or [])
                self._ahead = None
            batch = upcoming or await self._next_led_batch()

    def _look_ahead(self, lane: int) -> None:
        """Something was queued during this burst (a crisis reply, her conversation): look
        for messages of a lane that goes before `lane`, to go before the rest of the burst
        rather than after it. The look runs beside the sends, so the burst keeps its pace.

        SQLite only, for now: on PostgreSQL (where each look also claims what it finds) the
        bench's hard minute measured it slower, the tick and the fan-out with it (0.9-1.0 ms
        per due mother against 0.35-0.5, a fan-out ratio of 0.5-0.7 against 0.87-0.92, on a
        loaded machine); there a crisis reply was already answered within the second."""
        if self.leader.shared:
            return
        if self._ahead is None and lane > Lane.EMERGENCY and self._wake.is_set():
            self._wake.clear()
            self._ahead = asyncio.create_task(self._next_led_batch(lane))

    def _cut_in(self, batch: list[Queued], position: int) -> None:
        """Put the rows of a higher lane than the next one, found by the look ahead or by the
        next burst's choice (made early), next in this burst."""
        lane = batch[position].lane
        if self._ahead is not None and self._ahead.done():
            batch[position:position] = self._ahead.result()
            self._ahead = None
        upcoming = self._upcoming
        if upcoming is None or not upcoming.done() or upcoming.cancelled():
            return
        if upcoming.exception() is None:
            chosen = upcoming.result()
            ahead = [row for row in chosen if row.lane < lane]
            if ahead:
                chosen[:] = [row for row in chosen if row.lane >= lane]
                batch[position:position] = ahead

    async def _next_led_batch(self, above: int | None = None) -> list[Queued]:
        """The next burst, if this worker leads; a follower sends nothing."""
        if not await self.leader.leading() or not self.leader.settled:
            return []
        return await self._next_batch(above)

    async def drain(self, max_messages: int = 10_000) -> int:
        """Send everything ready now, one at a time; for tests, the demo and the benchmarks
        (one process: drain does not ask to lead)."""
        sent = 0
        while sent < max_messages:
            batch = await self._next_batch()
            if not batch:
                return sent
            for row in batch:
                await self._pace(row)
                await self._send(row)
                sent += 1
        return sent

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _pacer(self, row: Queued) -> Pacer:
        """The rate this row waits for, and whose 429 pauses it: the paid one for a scheduled
        message when paid broadcasts are on (it is sent as one), else the free one."""
        paid = self.paid_pacer is not None and row.lane == Lane.SCHEDULED
        return self.paid_pacer if paid and self.paid_pacer is not None else self.pacer

    async def _pace(self, row: Queued) -> None:
        """Wait for this row's slot. Another lane's send never waits behind the paid fan-out
        (nor its pauses), but takes a paid slot as it goes: all sends together stay within
        the paid ceiling."""
        pacer = self._pacer(row)
        await pacer.acquire()
        if self.paid_pacer is not None and pacer is not self.paid_pacer:
            self.paid_pacer.take()

    def _paid_paused(self, row: Queued) -> bool:
        paid = self.paid_pacer
        return paid is not None and self._pacer(row) is paid and paid.wait() > PAUSED_LOOK_S

    def _release(self, rows: list[Queued]) -> None:
        """Chosen but not sent: free to be chosen again (on PostgreSQL, once the claim ends)."""
        for row in rows:
            self.outcomes.reserved.discard(row.id)
            self._in_flight.discard(row.chat_id)

    async def _paced_send(self, row: Queued) -> None:
        await self._pace(row)
        await self._send(row)

    async def _send(self, row: Queued) -> None:
        try:
            outcome = await self._attempt(row)
            await self.outcomes.record(row.id, *outcome)
        finally:
            self._in_flight.discard(row.chat_id)
            self._last_sent[row.chat_id] = self._monotonic()
        error = self._failures.pop(row.id, None)
        if error is not None and self.on_failure is not None:
            await self._report_failure(row, error, self.on_failure)

    async def _report_failure(self, row: Queued, error: str, hook: FailureHook) -> None:
        """Best effort, in a transaction of its own: the outcome is already written down."""
        try:
            async with self.db.session() as session:
                await hook(session, row.key, row.chat_id, error, self.clock.now())
        except Exception as failure:  # never stop the sender over a report
            log.error(
                "event=outbox_failure_hook_failed id=%s error=%s", row.id, type(failure).__name__
            )

    def _given_up(self, row: Queued, error: Exception) -> None:
        self._failures[row.id] = type(error).__name__

    async def _attempt(self, row: Queued) -> tuple[Action, tuple[object, ...]]:
        """Try Telegram once and decide what to write down; never raises."""
        done: tuple[Action, tuple[object, ...]] = (outbox.mark_done, (row.id,))
        try:
            sealed = row.payload_sealed
            reply = decode(self.vault.open(sealed, context=row.seal_context("payload_sealed")))
            paid = self._pacer(row) is self.paid_pacer
            message = await self._deliver_followed(row, reply, paid=paid)
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            self._pacer(row).pause(wait)
            log.warning("event=outbox_retry_after id=%s seconds=%s", row.id, wait)
            return outbox.mark_retry, (row.id, self.clock.now() + timedelta(seconds=wait))
        except Forbidden as error:
            log.info("event=outbox_blocked id=%s", row.id)
            self._given_up(row, error)
            return outbox.mark_blocked, (row.chat_id,)
        except BadRequest as error:
            log.warning("event=outbox_bad_request id=%s error=%s", row.id, type(error).__name__)
            self._given_up(row, error)
            return done
        except NetworkError as error:  # includes TimedOut: retry with backoff
            if row.attempts + 1 >= MAX_ATTEMPTS:
                log.error("event=outbox_gave_up id=%s error=%s", row.id, type(error).__name__)
                self._given_up(row, error)
                return done
            backoff = min(2.0 ** (row.attempts + 1), MAX_BACKOFF_S)
            log.info("event=outbox_network_retry id=%s in=%ss", row.id, backoff)
            return outbox.mark_retry, (row.id, self.clock.now() + timedelta(seconds=backoff))
        except (TelegramError, VaultError) as error:
            log.error("event=outbox_error id=%s error=%s", row.id, type(error).__name__)
            self._given_up(row, error)
            return done
        log.debug("event=outbox_sent id=%s message=%s", row.id, message)  # no lane: 0 is a crisis
        return done

    async def _deliver_followed(self, row: Queued, reply: Reply, *, paid: bool) -> int:
        """A group upgraded to a supergroup (a clinic's backup chat) has a new id: the message
        goes there, and the new id is logged so the setting can be changed."""
        try:
            return await self._deliver(row.chat_id, reply, paid)
        except ChatMigrated as moved:
            log.error("event=outbox_chat_moved id=%s new_chat_id=%s", row.id, moved.new_chat_id)
            return await self._deliver(moved.new_chat_id, reply, paid)

    async def _deliver(self, chat_id: int, reply: Reply, paid: bool) -> int:
        if self.bot is None:
            raise RuntimeError("the sender has no bot yet")
        return await deliver(self.bot, chat_id, reply, paid=paid)
