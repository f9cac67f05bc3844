"""The schedule tick: when check-ins, reminders and nudges go out, to whom, and what is stored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from telegram import ChatMemberBanned, User

from companion.app import build_services
from companion.bot.context import Services
from companion.clock import ManualClock
from companion.config import Settings
from companion.delivery.tick import TickReport, run_tick
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import BOT_USER, FakeTelegram, SentMessage, blocked
from companion.store.models import Checkin, MotherStatus, OutboxMessage
from tests.chat_helpers import load_mother, onboard, position, t, texts
from tests.checkin_helpers import (
    QUIET_OFF,
    add_mother,
    assert_prompt,
    at,
    checkins_of,
    onboarded,
    tick,
    tick_and_read,
    update_mother,
)

# --- 1. the daily prompt ----------------------------------------------------------------------


async def test_the_prompt_arrives_once_at_her_time_and_again_the_next_day(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)  # 2026-11-20 12:00 UTC, London, 09:00
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == at(21, 9)

    for moment in (at(20, 12), at(20, 23, 59), at(21, 8, 59), at(21, 9) - timedelta(seconds=1)):
        clock.set(moment)
        report = await tick(services)
        assert report == TickReport()
        assert mother.new_messages() == []
    assert await checkins_of(services, mother_id) == []

    clock.set(at(21, 9))
    report = await tick(services)
    assert (report.sent, report.late, report.queued) == (1, 0, 1)
    replies = mother.new_messages()
    assert len(replies) == 1
    [checkin] = await checkins_of(services, mother_id)
    assert_prompt(services, replies[0], checkin.id)
    assert replies[0].protect_content is False
    assert (checkin.status, checkin.local_date, checkin.kind) == (
        "sent",
        date(2026, 11, 21),
        "daily",
    )
    assert (checkin.due_at, checkin.created_at, checkin.backfill) == (at(21, 9), at(21, 9), False)
    assert checkin.remind_at is None
    assert checkin.completed_at is None
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == at(22, 9)
    assert await position(services) == ("ci", "mood")

    for moment in (at(21, 9), at(21, 9, 1), at(21, 13), at(21, 23, 59), at(22, 8, 59)):
        clock.set(moment)
        assert await tick(services) == TickReport()
        assert mother.new_messages() == []
    assert len(await checkins_of(services, mother_id)) == 1

    clock.set(at(22, 9))
    replies = await tick_and_read(services, mother)
    checkins = await checkins_of(services, mother_id)
    assert [c.local_date for c in checkins] == [date(2026, 11, 21), date(2026, 11, 22)]
    assert [c.status for c in checkins] == ["sent", "sent"]
    assert len(replies) == 1
    assert_prompt(services, replies[0], checkins[1].id)
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == at(23, 9)


async def test_a_tick_with_nobody_due_stores_nothing(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboarded(mother, services)
    clock.set(at(21, 8, 59))
    await tick(services)
    async with services.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Checkin)) == 0
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# --- 2. daylight-saving changes ---------------------------------------------------------------

DST_CASES = [
    # zone, check-in time, the day-before send (UTC), the DST-day send (UTC), local date,
    # a later UTC moment that shows the same wall time again (or would have), the next send
    pytest.param(
        "America/New_York",
        "02:30",
        datetime(2026, 3, 7, 7, 30, tzinfo=UTC),  # 02:30 EST
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),  # 02:30 does not exist: 03:30 EDT
        date(2026, 3, 8),
        datetime(2026, 3, 8, 8, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 6, 30, tzinfo=UTC),  # 02:30 EDT
        id="new-york-spring-forward",
    ),
    pytest.param(
        "America/New_York",
        "01:30",
        datetime(2026, 10, 31, 5, 30, tzinfo=UTC),  # 01:30 EDT
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # the first 01:30 (EDT)
        date(2026, 11, 1),
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # the second 01:30 (EST)
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),  # 01:30 EST
        id="new-york-fall-back",
    ),
    pytest.param(
        "Europe/London",
        "01:30",
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),  # 01:30 GMT
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 01:30 does not exist: 02:30 BST
        date(2026, 3, 29),
        datetime(2026, 3, 29, 2, 30, tzinfo=UTC),
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),  # 01:30 BST
        id="london-spring-forward",
    ),
    pytest.param(
        "Europe/London",
        "01:30",
        datetime(2026, 10, 24, 0, 30, tzinfo=UTC),  # 01:30 BST
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the first 01:30 (BST)
        date(2026, 10, 25),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # the second 01:30 (GMT)
        datetime(2026, 10, 26, 1, 30, tzinfo=UTC),  # 01:30 GMT
        id="london-fall-back",
    ),
]


@pytest.mark.parametrize("settings_overrides", [QUIET_OFF])
@pytest.mark.parametrize(
    ("zone", "wall", "day_before", "dst_day", "local_day", "again", "following"), DST_CASES
)
async def test_daylight_saving_days_get_exactly_one_prompt(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    clock: ManualClock,
    zone: str,
    wall: str,
    day_before: datetime,
    dst_day: datetime,
    local_day: date,
    again: datetime,
    following: datetime,
) -> None:
    her = person_factory(2001)
    clock.set(day_before - timedelta(hours=12))
    mother_id = await add_mother(services, 2001, zone=zone, at=wall, country="US")
    clock.set(day_before)
    assert len(await tick_and_read(services, her)) == 1  # the ordinary day before
    stored = await load_mother(services, 2001)
    assert stored is not None
    assert stored.next_checkin_at == dst_day  # computed by the tick across the change

    clock.set(dst_day - timedelta(minutes=1))
    assert await tick_and_read(services, her) == []
    clock.set(dst_day)
    replies = await tick_and_read(services, her)
    checkins = await checkins_of(services, mother_id)
    assert [c.local_date for c in checkins] == [local_day - timedelta(days=1), local_day]
    assert len(replies) == 1
    assert_prompt(services, replies[0], checkins[-1].id)  # on time: no "late" sentence
    assert checkins[-1].due_at == dst_day

    for moment in (again - timedelta(minutes=1), again, again + timedelta(minutes=1)):
        clock.set(moment)
        assert await tick_and_read(services, her) == []
    stored = await load_mother(services, 2001)
    assert stored is not None
    assert stored.next_checkin_at == following
    clock.set(following)
    assert len(await tick_and_read(services, her)) == 1
    assert len(await checkins_of(services, mother_id)) == 3


@pytest.mark.parametrize("settings_overrides", [QUIET_OFF])
async def test_a_spring_forward_prompt_is_sent_at_the_first_moment_that_exists(
    person_factory: Callable[..., ChatDriver], services: Services, clock: ManualClock
) -> None:
    """02:30 does not exist on 8 March in New York: it comes at 03:30 EDT, dated 8 March."""
    her = person_factory(2002)
    clock.set(datetime(2026, 3, 7, 12, tzinfo=UTC))
    mother_id = await add_mother(services, 2002, zone="America/New_York", at="02:30")
    sent_at = datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert sent_at.astimezone(ZoneInfo("America/New_York")).hour == 3
    clock.set(sent_at)
    assert len(await tick_and_read(services, her)) == 1
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.local_date == date(2026, 3, 8)


# --- 3. the far ends of the clock ---------------------------------------------------------------


async def test_mothers_fourteen_hours_ahead_and_eleven_behind_get_their_local_nine(
    person_factory: Callable[..., ChatDriver], services: Services, clock: ManualClock
) -> None:
    ahead, behind = person_factory(3001), person_factory(3002)
    ahead_id = await add_mother(services, 3001, zone="Pacific/Kiritimati", country="KI")
    behind_id = await add_mother(services, 3002, zone="Pacific/Pago_Pago", country="AS")
    # 2026-11-20 12:00 UTC is 02:00 on the 21st in Kiritimati and 01:00 on the 20th in Pago Pago.
    for moment in (at(20, 18, 59), at(20, 19) - timedelta(seconds=1)):
        clock.set(moment)
        await tick(services)
    assert ahead.new_messages() == behind.new_messages() == []

    clock.set(at(20, 19))  # 09:00 on the 21st in Kiritimati; 08:00 on the 20th in Pago Pago
    await tick(services)
    assert len(ahead.new_messages()) == 1
    assert behind.new_messages() == []
    clock.set(at(20, 20))  # 09:00 on the 20th in Pago Pago; 10:00 on the 21st in Kiritimati
    await tick(services)
    assert ahead.new_messages() == []
    assert len(behind.new_messages()) == 1

    [ahead_checkin] = await checkins_of(services, ahead_id)
    [behind_checkin] = await checkins_of(services, behind_id)
    assert (ahead_checkin.local_date, ahead_checkin.due_at) == (date(2026, 11, 21), at(20, 19))
    assert (behind_checkin.local_date, behind_checkin.due_at) == (date(2026, 11, 20), at(20, 20))
    for user_id, following in ((3001, at(21, 19)), (3002, at(21, 20))):
        stored = await load_mother(services, user_id)
        assert stored is not None
        assert stored.next_checkin_at == following


# --- 4. the bot was down ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delay", "late"),
    [
        (timedelta(minutes=5), False),
        (timedelta(minutes=5, seconds=1), True),
        (timedelta(hours=2), True),
        (timedelta(hours=3), True),  # the grace window includes its end
    ],
)
async def test_a_late_tick_still_sends_within_the_grace_window_and_says_so(
    mother: ChatDriver, services: Services, clock: ManualClock, delay: timedelta, late: bool
) -> None:
    mother_id = await onboarded(mother, services)
    clock.set(at(21, 9) + delay)
    report = await tick(services)
    assert (report.sent, report.late, report.missed) == (1, int(late), 0)
    replies = mother.new_messages()
    [checkin] = await checkins_of(services, mother_id)
    assert len(replies) == 1
    assert_prompt(services, replies[0], checkin.id, late=late)
    assert (t(services, "checkin.late") in replies[0].text) is late
    assert (checkin.status, checkin.local_date) == ("sent", date(2026, 11, 21))
    assert (checkin.due_at, checkin.created_at) == (at(21, 9), at(21, 9) + delay)
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == at(22, 9)


@pytest.mark.parametrize(
    "delay", [timedelta(hours=3, seconds=1), timedelta(hours=3, minutes=30), timedelta(hours=14)]
)
async def test_past_the_grace_window_the_day_is_recorded_missed_and_nothing_is_sent(
    mother: ChatDriver, services: Services, clock: ManualClock, delay: timedelta
) -> None:
    mother_id = await onboarded(mother, services)
    clock.set(at(21, 9) + delay)
    report = await tick(services)
    assert (report.sent, report.missed, report.queued) == (0, 1, 0)
    assert mother.new_messages() == []
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.status, checkin.local_date, checkin.due_at) == (
        "missed",
        date(2026, 11, 21),
        at(21, 9),
    )
    assert checkin.remind_at is None
    assert await position(services) is None  # no question left open
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == at(22, 9)
    assert await tick_and_read(services, mother) == []  # a second tick changes nothing

    clock.set(at(22, 9))  # the next day works as usual
    replies = await tick_and_read(services, mother)
    checkins = await checkins_of(services, mother_id)
    assert [(c.local_date, c.status) for c in checkins] == [
        (date(2026, 11, 21), "missed"),
        (date(2026, 11, 22), "sent"),
    ]
    assert len(replies) == 1
    assert_prompt(services, replies[0], checkins[1].id)


async def test_after_days_of_downtime_only_the_overdue_day_is_missed_and_today_comes_on_time(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    clock.set(at(23, 8))  # down since before the 21st's check-in
    assert await tick_and_read(services, mother) == []
    checkins = await checkins_of(services, mother_id)
    assert [(c.local_date, c.status) for c in checkins] == [(date(2026, 11, 21), "missed")]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == at(23, 9)
    clock.set(at(23, 9))
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1
    assert t(services, "checkin.late") not in replies[0].text


async def test_down_across_two_due_times_the_second_within_grace_still_comes_late(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    """Issue 17 (8): down from the 20th at noon to the 22nd at 10:00 (her 09:00 check-in, an
    hour late, inside the 3 hours' grace): the 21st is missed and the 22nd still comes."""
    mother_id = await onboarded(mother, services)
    clock.set(at(22, 10))
    first = await tick(services)
    assert (first.sent, first.missed) == (0, 1)
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == at(22, 9)  # not the 23rd
    clock.set(at(22, 10, 1))  # the next tick, a minute later
    replies = await tick_and_read(services, mother)
    checkins = await checkins_of(services, mother_id)
    assert [(c.local_date, c.status) for c in checkins] == [
        (date(2026, 11, 21), "missed"),
        (date(2026, 11, 22), "sent"),
    ]
    assert len(replies) == 1
    assert "Sorry this is late: I wasn't able to send it at your usual time." in replies[0].text
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == at(23, 9)


async def test_late_into_quiet_hours_the_day_is_missed_rather_than_sent_at_night(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services, time="21:00")
    clock.set(at(20, 21, 59))  # late, but before quiet hours (22:00-07:00)
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1
    assert t(services, "checkin.late") in replies[0].text

    clock.set(at(21, 22, 30))  # 90 minutes late, within grace, but now in quiet hours
    report = await tick(services)
    assert (report.sent, report.missed) == (0, 1)
    assert mother.new_messages() == []
    checkins = await checkins_of(services, mother_id)
    assert [(c.local_date, c.status) for c in checkins] == [
        (date(2026, 11, 20), "sent"),
        (date(2026, 11, 21), "missed"),
    ]
    stored = await load_mother(services)
    assert stored is not None
    assert stored.next_checkin_at == at(22, 21)
    clock.set(at(22, 21))
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1
    assert t(services, "checkin.late") not in replies[0].text


# --- 5. ticks racing each other -----------------------------------------------------------------

RACERS = range(5001, 5021)


async def _race(first: Services, second: Services) -> tuple[list[TickReport], list[str]]:
    """Run two ticks at once; a tick that failed on SQLite's lock runs again afterwards."""
    results = await asyncio.gather(run_tick(first), run_tick(second), return_exceptions=True)
    reports, failures = [], []
    for result, services in zip(results, (first, second), strict=True):
        if isinstance(result, OperationalError) and "locked" in str(result):
            failures.append(str(result.orig))
            reports.append(await run_tick(services))
        elif isinstance(result, BaseException):
            raise result
        else:
            reports.append(result)
    return reports, failures


async def _assert_one_each(
    services: Services, telegram: FakeTelegram, reports: list[TickReport]
) -> None:
    await services.sender.drain()
    assert sum(r.sent for r in reports) == len(RACERS)
    for user_id in RACERS:
        received = telegram.sent_to(user_id)
        assert len(received) == 1, user_id
        stored = await load_mother(services, user_id)
        assert stored is not None
        [checkin] = await checkins_of(services, stored.id)
        assert_prompt(services, received[0], checkin.id)
        assert stored.next_checkin_at == at(22, 9)
    async with services.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Checkin)) == len(RACERS)
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    "settings_overrides", [{}, {"tick_batch": 3}], ids=["one-batch", "batches"]
)
async def test_two_ticks_at_once_send_each_prompt_once(
    services: Services,
    telegram: FakeTelegram,
    clock: ManualClock,
    person_factory: Callable[..., ChatDriver],
    record_property: Callable[[str, object], None],
) -> None:
    for user_id in RACERS:
        await add_mother(services, user_id)
    clock.set(at(21, 9))
    reports, failures = await _race(services, services)
    record_property("locked", failures)
    await _assert_one_each(services, telegram, reports)
    assert await tick(services) == TickReport()  # and a third finds nothing left


async def test_two_workers_on_one_database_send_each_prompt_once(
    services: Services,
    settings: Settings,
    telegram: FakeTelegram,
    clock: ManualClock,
    app: object,
    record_property: Callable[[str, object], None],
) -> None:
    for user_id in RACERS:
        await add_mother(services, user_id)
    other = build_services(settings, clock)  # a second process: its own engine and sessions
    try:
        clock.set(at(21, 9))
        reports, failures = await _race(services, other)
        record_property("locked", failures)
    finally:
        await other.db.dispose()
    await _assert_one_each(services, telegram, reports)


async def test_two_ticks_at_once_send_each_reminder_once(
    services: Services,
    settings: Settings,
    telegram: FakeTelegram,
    clock: ManualClock,
    app: object,
    record_property: Callable[[str, object], None],
) -> None:
    for user_id in RACERS:
        await add_mother(services, user_id, reminders=True)
    clock.set(at(21, 9))
    await tick(services)
    clock.set(at(21, 13))
    other = build_services(settings, clock)
    try:
        reports, failures = await _race(services, other)
        record_property("locked", failures)
    finally:
        await other.db.dispose()
    await services.sender.drain()
    assert sum(r.reminded for r in reports) == len(RACERS)
    for user_id in RACERS:
        received = telegram.sent_to(user_id)
        assert len(received) == 2, user_id  # the prompt and one reminder
        assert received[1].text.startswith(t(services, "checkin.reminder"))


# --- 6. mothers who get nothing -----------------------------------------------------------------


async def test_paused_stopped_blocked_and_deleted_mothers_get_nothing(
    person_factory: Callable[..., ChatDriver],
    services: Services,
    clock: ManualClock,
) -> None:
    paused, stopped, gone, deleted, active = (person_factory(u) for u in range(6001, 6006))
    for her in (paused, stopped, gone, deleted, active):
        await onboard(her)
    await paused.say("/pause")
    await stopped.say("/stop")
    bot_user = User(BOT_USER["id"], BOT_USER["first_name"], is_bot=True)
    banned = ChatMemberBanned(bot_user, datetime(2030, 1, 1, tzinfo=UTC))
    await gone.deliver(gone.person.added_to_group(banned))
    await deleted.say("/delete")
    await deleted.tap("Yes, erase everything")
    statuses = {}
    for user_id in range(6001, 6005):
        stored = await load_mother(services, user_id)
        statuses[user_id] = stored.status if stored else None
    assert statuses == {6001: "paused", 6002: "stopped", 6003: "blocked", 6004: None}

    for day in (21, 22, 23):
        clock.set(at(day, 9))
        await tick(services)
        assert [len(her.new_messages()) for her in (paused, stopped, gone, deleted)] == [0] * 4
        assert len(active.new_messages()) == 1  # the tick did run
    for user_id in range(6001, 6004):
        stored = await load_mother(services, user_id)
        assert stored is not None
        assert await checkins_of(services, stored.id) == []


@pytest.mark.parametrize(
    "status", [MotherStatus.PAUSED, MotherStatus.STOPPED, MotherStatus.BLOCKED]
)
async def test_only_active_mothers_are_picked_even_with_a_due_time_left_over(
    mother: ChatDriver, services: Services, clock: ManualClock, status: str
) -> None:
    mother_id = await onboarded(mother, services)
    await update_mother(services, 1001, status=status, next_checkin_at=at(21, 9))
    clock.set(at(21, 9, 30))
    assert await tick(services) == TickReport()
    assert mother.new_messages() == []
    assert await checkins_of(services, mother_id) == []


async def test_a_mother_who_blocks_the_bot_is_not_sent_the_next_days(
    mother: ChatDriver, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    mother_id = await onboarded(mother, services)
    telegram.fault = lambda method, params: blocked() if method == "sendMessage" else None
    clock.set(at(21, 9))
    await tick(services)
    telegram.fault = None
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.status, stored.next_checkin_at) == ("blocked", None)
    clock.set(at(22, 9))
    assert await tick_and_read(services, mother) == []
    assert len(await checkins_of(services, mother_id)) == 1


async def test_a_reminder_or_snooze_is_not_sent_once_she_has_paused(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await mother.say("/settings")
    await mother.tap("Reminders")
    await mother.tap("Yes, remind me")
    clock.set(at(21, 9))
    await tick(services)
    clock.set(at(21, 10))
    await mother.tap("Snooze 1 h")
    await mother.say("/pause")
    for moment in (at(21, 11), at(21, 13), at(21, 15)):
        clock.set(moment)
        assert await tick_and_read(services, mother) == []
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.status == "sent"


# --- 9. reminders ---------------------------------------------------------------------------------


async def opt_in_to_reminders(mother: ChatDriver, services: Services) -> None:
    await mother.say("/settings")
    await mother.tap(t(services, "settings.button.reminders"))
    replies = await mother.tap(t(services, "settings.reminders.button.on"))
    assert replies[0].text == t(services, "settings.reminders.saved_on")
    stored = await load_mother(services)
    assert stored is not None
    assert stored.reminders is True


async def test_one_reminder_comes_four_hours_after_an_unanswered_prompt(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await opt_in_to_reminders(mother, services)
    clock.set(at(21, 9))
    await tick(services)
    mother.new_messages()
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.remind_at == at(21, 13)

    clock.set(at(21, 12, 59))
    assert await tick_and_read(services, mother) == []
    clock.set(at(21, 13))
    report = await tick(services)
    assert (report.reminded, report.sent) == (1, 0)
    replies = mother.new_messages()
    assert len(replies) == 1
    assert_prompt(services, replies[0], checkin.id, reminder=True)
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.status, checkin.remind_at) == ("sent", None)
    assert await position(services) == ("ci", "mood")

    for moment in (at(21, 13), at(21, 14), at(21, 17), at(21, 21, 59)):
        clock.set(moment)
        assert await tick_and_read(services, mother) == []
    clock.set(at(22, 9))
    replies = await tick_and_read(services, mother)
    assert texts(replies)[0].startswith(t(services, "checkin.greeting"))


async def test_after_a_late_prompt_the_reminder_still_waits_the_full_hours(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    """Sent two hours late at 11:00: she gets her four hours before the reminder (15:00)."""
    mother_id = await onboarded(mother, services)
    await opt_in_to_reminders(mother, services)
    clock.set(at(21, 11))
    await tick(services)
    mother.new_messages()
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.remind_at == at(21, 15)
    clock.set(at(21, 14, 59))
    assert await tick_and_read(services, mother) == []
    clock.set(at(21, 15))
    assert len(await tick_and_read(services, mother)) == 1


async def test_the_reminder_is_answered_into_the_same_checkin(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await opt_in_to_reminders(mother, services)
    clock.set(at(21, 9))
    await tick(services)
    clock.set(at(21, 13))
    await tick(services)
    mother.new_messages()
    clock.set(at(21, 13, 5))
    replies = await mother.tap_on(mother.latest_with_buttons(), "🙂")  # type: ignore[arg-type]
    assert replies[-1].text == t(services, "checkin.sleep.prompt")
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.status == "started"


async def test_an_answered_checkin_gets_no_reminder(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await opt_in_to_reminders(mother, services)
    clock.set(at(21, 9))
    await tick(services)
    clock.set(at(21, 10))
    await mother.tap("😐")
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.status, checkin.remind_at) == ("started", None)
    for moment in (at(21, 13), at(21, 18)):
        clock.set(moment)
        assert await tick_and_read(services, mother) == []


async def test_no_reminder_without_opting_in(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    clock.set(at(21, 9))
    await tick(services)
    mother.new_messages()
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.remind_at is None
    for moment in (at(21, 13), at(21, 17), at(21, 21)):
        clock.set(moment)
        assert await tick_and_read(services, mother) == []


@pytest.mark.parametrize(
    ("settings_overrides", "checkin_time"),
    [
        pytest.param({}, "20:00", id="due-at-midnight"),
        pytest.param({"reminder_after_hours": 2}, "21:00", id="due-at-23"),
        pytest.param({}, "18:00", id="due-as-quiet-hours-start"),
    ],
)
async def test_a_reminder_that_would_fall_in_quiet_hours_is_not_sent_that_night_or_next_morning(
    mother: ChatDriver,
    services: Services,
    clock: ManualClock,
    checkin_time: str,
) -> None:
    """Reminders come "later in the day" and "never during quiet hours": when the reminder
    time is in quiet hours, none is sent (not at night, and not for yesterday next morning)."""
    mother_id = await onboarded(mother, services, time=checkin_time)
    await opt_in_to_reminders(mother, services)
    hour = int(checkin_time[:2])
    clock.set(at(20, hour))  # her first check-in: the same evening
    await tick(services)
    mother.new_messages()
    reminder_due = at(20, hour) + timedelta(hours=services.settings.reminder_after_hours)
    for moment in (
        reminder_due,
        reminder_due + timedelta(hours=1),
        at(21, 6, 59),
        at(21, 7),
        at(21, 8),
    ):
        clock.set(moment)
        assert await tick_and_read(services, mother) == [], moment
    [checkin] = await checkins_of(services, mother_id)
    assert (checkin.status, checkin.remind_at) == ("sent", None)
    clock.set(at(21, hour))
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1
    assert replies[0].text.startswith(t(services, "checkin.greeting"))


@pytest.mark.parametrize("settings_overrides", [{"quiet_hours": "12:30-14:00"}])
async def test_a_reminder_in_a_daytime_quiet_window_waits_for_the_window_to_end(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await opt_in_to_reminders(mother, services)
    clock.set(at(21, 9))
    await tick(services)
    mother.new_messages()
    clock.set(at(21, 13))
    assert await tick_and_read(services, mother) == []
    [checkin] = await checkins_of(services, mother_id)
    assert checkin.remind_at == at(21, 14)
    clock.set(at(21, 13, 59))
    assert await tick_and_read(services, mother) == []
    clock.set(at(21, 14))
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1
    assert_prompt(services, replies[0], checkin.id, reminder=True)


# --- 11. the still-here nudge -------------------------------------------------------------------


async def _day(services: Services, mother: ChatDriver, clock: ManualClock, day: int) -> SentMessage:
    """Her 09:00 tick on November `day` (31 and on run into December); the one message."""
    clock.set(at(21, 9) + timedelta(days=day - 21))
    replies = await tick_and_read(services, mother)
    assert len(replies) == 1
    return replies[0]


async def test_after_three_unanswered_prompts_the_fourth_day_is_a_gentle_nudge_once(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await opt_in_to_reminders(mother, services)
    greeting = t(services, "checkin.greeting")
    for day in (21, 22, 23):
        assert (await _day(services, mother, clock, day)).text.startswith(greeting)
        clock.set(at(day, 13))
        assert len(await tick_and_read(services, mother)) == 1  # her reminder
    clock.set(at(24, 9))
    report = await tick(services)
    assert (report.nudged, report.sent) == (1, 0)
    [nudge] = mother.new_messages()
    assert nudge.text == t(services, "checkin.nudge")
    assert nudge.button_labels == [t(services, "checkin.button.now")]
    checkins = await checkins_of(services, mother_id)
    assert [c.status for c in checkins] == ["sent", "sent", "sent", "nudge"]
    assert checkins[-1].remind_at is None  # no reminder after a nudge
    clock.set(at(24, 13))
    assert await tick_and_read(services, mother) == []

    # Still silent for two weeks: ordinary prompts, and no second nudge until she answers.
    for day in range(25, 39):  # 25 November - 8 December
        assert (await _day(services, mother, clock, day)).text.startswith(greeting), day
    statuses = [c.status for c in await checkins_of(services, mother_id)]
    assert statuses == ["sent"] * 3 + ["nudge"] + ["sent"] * 14

    # She answers on 9 December; after three silent days the nudge comes again.
    await _day(services, mother, clock, 39)
    await mother.tap("🙂")
    for day in (40, 41, 42):
        assert (await _day(services, mother, clock, day)).text.startswith(greeting)
    assert (await _day(services, mother, clock, 43)).text == t(services, "checkin.nudge")
    statuses = [c.status for c in await checkins_of(services, mother_id)]
    assert statuses[-5:] == ["started", "sent", "sent", "sent", "nudge"]


async def test_missed_days_while_the_bot_was_down_do_not_count_towards_the_nudge(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboarded(mother, services)
    greeting = t(services, "checkin.greeting")
    for day in (21, 22):
        assert (await _day(services, mother, clock, day)).text.startswith(greeting)
    clock.set(at(23, 15))  # too late: missed
    assert await tick_and_read(services, mother) == []
    assert (await _day(services, mother, clock, 24)).text.startswith(greeting)
    assert (await _day(services, mother, clock, 25)).text == t(services, "checkin.nudge")


async def test_the_nudge_button_starts_todays_checkin(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    for day in (21, 22, 23, 24):
        await _day(services, mother, clock, day)
    clock.set(at(24, 18))
    replies = await mother.tap(t(services, "checkin.button.now"))
    assert texts(replies) == [t(services, "checkin.mood.prompt")]
    await mother.tap("😄")
    checkins = await checkins_of(services, mother_id)
    assert len(checkins) == 4  # the nudge's row is today's check-in
    assert (checkins[-1].local_date, checkins[-1].status) == (date(2026, 11, 24), "started")
    assert (await _day(services, mother, clock, 25)).text.startswith(
        t(services, "checkin.greeting")
    )


async def test_one_damaged_schedule_does_not_stop_the_others(
    services: Services, person_factory, clock: ManualClock, caplog
) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update as sql_update

    from companion.delivery.tick import run_tick
    from companion.store.models import Mother
    from tests.chat_helpers import onboard

    first, second = person_factory(1001), person_factory(1002)
    await onboard(first)
    await onboard(second)
    async with services.db.session() as session:
        await session.execute(
            sql_update(Mother).where(Mother.telegram_user_id == 1001).values(timezone="Nowhere/X")
        )
    clock.set(datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    report = await run_tick(services)
    await services.sender.drain()
    assert report.sent == 1
    assert second.new_messages()[-1].text.startswith("Hello! Time for today's check-in.")
    assert "event=schedule_unreadable mother=" in caplog.text


@pytest.mark.parametrize("settings_overrides", [{"tick_batch": 2}], ids=["batches-of-2"])
async def test_the_sender_is_woken_after_each_batch_not_only_at_the_end(
    services: Services, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, app: object
) -> None:
    """In the morning burst the first prompts go out while later batches are still queued:
    five due mothers in batches of two wake the sender after each of the three batches (and
    once more at the end of the tick)."""
    for user_id in range(7001, 7006):
        await add_mother(services, user_id)
    woken = 0

    def wake() -> None:
        nonlocal woken
        woken += 1

    monkeypatch.setattr(services.sender, "wake", wake)
    clock.set(at(21, 9))
    report = await tick(services)
    assert report.sent == 5
    assert woken == 4
