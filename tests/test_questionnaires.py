"""Questionnaires riding along with the check-in: offered when due on her postpartum clock, one tap
per item, paused and resumed, scored, told in plain words with "not a diagnosis", stored sealed;
a safety item answered above zero gets the crisis reply the moment it is tapped."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from companion.bot.context import Services
from companion.clock import ManualClock
from companion.core.instruments import score
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import FakeTelegram, SentMessage
from companion.resources import messages_dir
from companion.store.models import Lane, OutboxMessage
from companion.store.safety_models import Screening
from companion.store.screenings import (
    complete_screening,
    read_answers,
    read_reason,
    read_result,
    start_screening,
)
from tests.chat_helpers import load_conversation, load_mother, reach, t, texts
from tests.checkin_helpers import (
    at,
    onboarded,
    skip_to_the_end,
    tick,
    tick_and_read,
    update_mother,
)
from tests.flag_helpers import StoredFlag, stored_flags

NOT_AT_ALL, SEVERAL_DAYS, MORE_THAN_HALF, NEARLY_EVERY_DAY = (
    "Not at all",
    "Several days",
    "More than half the days",
    "Nearly every day",
)
OPTIONS = [NOT_AT_ALL, SEVERAL_DAYS, MORE_THAN_HALF, NEARLY_EVERY_DAY]
NOT_A_DIAGNOSIS = "This is not a diagnosis"


async def finish_checkin(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> list[SentMessage]:
    """Her scheduled check-in the morning after onboarding: the mood, then Skip to the end
    ("Done for today" means nothing more today, so no questionnaire is offered after it)."""
    clock.set(at(21, 9))
    await tick_and_read(services, mother)
    await mother.tap("🙂")
    return await skip_to_the_end(mother)


async def screenings(services: Services, mother_id: str) -> list[Screening]:
    async with services.db.session() as session:
        query = select(Screening).where(Screening.mother_id == mother_id)
        return list((await session.scalars(query.order_by(Screening.started_at))).all())


async def flags(services: Services, mother_id: str) -> list[StoredFlag]:
    return await stored_flags(services, mother_id)


def item_text(services: Services, instrument_id: str, number: int) -> str:
    instrument = services.content.instrument("en", instrument_id)
    return t(
        services,
        "screening.item",
        name=instrument.name,
        number=number,
        count=len(instrument.items),
        stem=instrument.stem,
        text=instrument.items[number - 1].text,
    )


def result_line(name: str, total: int, max_total: int, band: str) -> str:
    """messages/en/screening.toml's result, filled in by hand (band words from the instrument)."""
    return (
        f"Your {name} score is {total} out of {max_total}, in the range usually called {band}. "
        "This is not a diagnosis: a questionnaire can show how things have been, but only a "
        "conversation with a professional can tell what is going on for you."
    )


ROUTINE_WORDS = (
    "Your answers don't point to anything that needs follow-up right now. I'll keep checking in, "
    "and ask again in a few weeks."
)
POSSIBLE_WORDS = (
    "Scores like this are common after having a baby, and they are worth taking seriously. It "
    "could help to tell your doctor, midwife or health visitor how you've been. Rest, practical "
    "help and talking with other parents can ease things too. I'll ask again in about two weeks."
)
PROBABLE_FIRST_LINE = (
    "This score suggests it would be good to talk with a professional soon: please think about "
    "booking an appointment with your doctor, midwife or health visitor this week. Depression "
    "and anxiety after a birth are common and treatable, with talking therapies, medicine, or "
    "both. Until then, these lines offer support:"
)


async def answer_items(mother: ChatDriver, choices: list[str]) -> list[SentMessage]:
    replies: list[SentMessage] = []
    for choice in choices:
        replies = await mother.tap(choice)
    return replies


# --- the offer and a whole questionnaire ----------------------------------------------------------


async def test_the_first_checkin_offers_the_enrolment_questionnaires(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboarded(mother, services)
    replies = await finish_checkin(mother, services, clock)
    assert texts(replies)[-1] == t(services, "screening.offer", count=16)
    assert replies[-1].button_labels == ["Start", "Not today"]

    replies = await mother.tap("Start")
    phq9 = services.content.instrument("en", "phq9")
    assert texts(replies) == [
        t(services, "screening.intro", name="PHQ-9", count=9, licence=phq9.licence),
        item_text(services, "phq9", 1),
    ]
    assert "No permission required to reproduce" in replies[0].text  # the licence line
    assert replies[1].button_labels == [*OPTIONS, "Pause, finish later"]


async def test_answering_phq9_and_gad7_tells_each_result_and_stores_it_sealed(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    phq9 = [1, 2, 1, 0, 1, 2, 1, 0, 0]  # total 8: mild; item 9 "Not at all"
    replies = await answer_items(mother, [OPTIONS[score] for score in phq9])
    assert replies[0].text == result_line("PHQ-9", 8, 27, "mild") + "\n\n" + ROUTINE_WORDS
    assert NOT_A_DIAGNOSIS in replies[0].text
    assert "Your PHQ-9 score is 8 out of 27, in the range usually called mild." in replies[0].text
    assert texts(replies)[2] == item_text(services, "gad7", 1)  # GAD-7 follows at once

    gad7 = [2, 2, 2, 1, 1, 2, 2]  # total 12: moderate, possible
    replies = await answer_items(mother, [OPTIONS[score] for score in gad7])
    assert texts(replies) == [
        result_line("GAD-7", 12, 21, "moderate") + "\n\n" + POSSIBLE_WORDS,
        t(services, "screening.done"),
    ]
    assert await load_conversation(services, mother_id) is None

    stored = await screenings(services, mother_id)
    reason = partial(read_reason, vault=services.vault)
    assert [(row.instrument, reason(row), row.status) for row in stored] == [
        ("phq9", "enrolment", "done"),
        ("gad7", "enrolment", "done"),
    ]
    results = [read_result(row, services.vault) for row in stored]
    assert [(r.total, r.band, r.tier.label) for r in results if r] == [
        (8, "mild", "routine"),
        (12, "moderate", "possible"),
    ]
    answers = read_answers(stored[0], services.vault)
    assert list(answers.values()) == phq9
    assert b"mild" not in (stored[0].result_sealed or b"")  # sealed, not plain
    assert await flags(services, mother_id) == []  # no safety item, no flag


@pytest.mark.parametrize(
    ("answers", "result", "tier_words"),
    [
        (  # 23 without item 9: severe, probable
            [3, 3, 3, 3, 3, 3, 3, 2, 0],
            result_line("PHQ-9", 23, 27, "severe"),
            PROBABLE_FIRST_LINE,
        ),
        ([1, 1, 1, 1, 1, 1, 1, 1, 0], result_line("PHQ-9", 8, 27, "mild"), ROUTINE_WORDS),
        (  # exactly 10
            [2, 1, 1, 1, 1, 1, 1, 2, 0],
            result_line("PHQ-9", 10, 27, "moderate"),
            POSSIBLE_WORDS,
        ),
    ],
    ids=["probable", "routine", "possible"],
)
async def test_each_tier_gets_its_own_plain_words(
    mother: ChatDriver,
    services: Services,
    clock: ManualClock,
    answers: list[int],
    result: str,
    tier_words: str,
) -> None:
    await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    replies = await answer_items(mother, [OPTIONS[s] for s in answers])
    shown = replies[0].text
    assert shown.startswith(result + "\n\n" + tier_words)
    assert NOT_A_DIAGNOSIS in shown
    assert "taken" not in shown.lower()


# --- the safety item ------------------------------------------------------------------------------


@pytest.mark.parametrize("item9", [SEVERAL_DAYS, MORE_THAN_HALF, NEARLY_EVERY_DAY])
async def test_item_9_above_zero_gets_the_crisis_reply_first_whatever_the_total(
    mother: ChatDriver, services: Services, clock: ManualClock, telegram: FakeTelegram, item9: str
) -> None:
    mother_id = await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    await answer_items(mother, [NOT_AT_ALL] * 8)
    replies = await mother.tap(item9)
    assert replies[0].text.startswith("Thank you for telling me. Thoughts like these")
    assert "🚨 Emergency: call 999" in replies[0].text
    assert "Samaritans" in replies[0].text
    assert replies[1].text.startswith("Your PHQ-9 score is")
    assert t(services, "screening.tier.urgent") in replies[1].text
    assert NOT_A_DIAGNOSIS in replies[1].text
    assert len(replies) == 2  # GAD-7 waits for another day
    assert await load_conversation(services, mother_id) is None
    [flag] = await flags(services, mother_id)
    assert (flag.level, flag.source, flag.status) == ("urgent", "phq9", "open")
    [phq9] = await screenings(services, mother_id)
    result = read_result(phq9, services.vault)
    assert result is not None
    assert result.tier.label == "urgent"
    assert result.safety_hits == ("harm",)


async def test_item_9_at_zero_raises_nothing(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    replies = await answer_items(mother, [NEARLY_EVERY_DAY] * 8 + [NOT_AT_ALL])
    assert replies[0].text.startswith("Your PHQ-9 score is 24 out of 27")
    assert await flags(services, mother_id) == []


async def test_the_crisis_reply_goes_in_the_emergency_lane_ahead_of_the_result(
    mother: ChatDriver, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    await answer_items(mother, [NOT_AT_ALL] * 8)
    # Hold the sender: look at the outbox as the item-9 tap leaves it.
    await mother.handle(mother.person.press(mother.message_with(SEVERAL_DAYS), SEVERAL_DAYS))
    async with services.db.session() as session:
        rows = (
            await session.scalars(
                select(OutboxMessage).order_by(OutboxMessage.lane, OutboxMessage.id)
            )
        ).all()
    assert [row.lane for row in rows] == [Lane.EMERGENCY, Lane.REPLY]


def _safety_first_phq9(folder: Path) -> Path:
    """A deployer's PHQ-9 files with the safety item moved first, to show it is acted on when
    answered, not at the end (every shipped language, since all must ask the same items)."""
    for locale in ("en", "es"):
        source = (messages_dir() / locale / "instruments" / "phq9.toml").read_text("utf-8")
        head, _, rest = source.partition("[[items]]")
        items = ["[[items]]" + chunk for chunk in rest.split("[[items]]")]
        tail_start = items[-1].find("[[bands]]")
        bands = items[-1][tail_start:]
        items[-1] = items[-1][:tail_start]
        harm = next(item for item in items if 'id = "harm"' in item)
        others = [item for item in items if item is not harm]
        target = folder / locale
        target.mkdir(parents=True)
        (target / "phq9.toml").write_text(head + harm + "".join(others) + bands, "utf-8")
    return folder


class TestASafetyItemAskedFirst:
    @pytest.fixture
    def settings_overrides(self, tmp_path: Path) -> dict[str, object]:
        return {"instruments_dir": _safety_first_phq9(tmp_path / "instruments")}

    async def test_it_is_acted_on_the_moment_it_is_answered_not_at_the_end(
        self, mother: ChatDriver, services: Services, clock: ManualClock
    ) -> None:
        mother_id = await onboarded(mother, services)
        await finish_checkin(mother, services, clock)
        replies = await mother.tap("Start")
        assert "better off dead" in replies[-1].text  # the deployer's order: harm first
        replies = await mother.tap(SEVERAL_DAYS)
        assert replies[0].text.startswith("Thank you for telling me. Thoughts like these")
        assert texts(replies)[1:] == [item_text(services, "phq9", 2)]  # then the questionnaire
        [flag] = await flags(services, mother_id)
        assert (flag.level, flag.source) == ("urgent", "phq9")


# --- pausing, resuming, declining -----------------------------------------------------------------


async def test_pause_keeps_the_answers_and_continue_picks_up_where_she_left(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    await answer_items(mother, [SEVERAL_DAYS] * 3)
    replies = await mother.tap("Pause, finish later")
    assert texts(replies) == [t(services, "screening.paused")]
    assert replies[0].button_labels == ["Continue"]
    assert await load_conversation(services, mother_id) is None
    [open_row] = await screenings(services, mother_id)
    assert open_row.status == "open"
    assert list(read_answers(open_row, services.vault)) == ["interest", "down", "sleep"]

    clock.advance(timedelta(hours=5))
    replies = await mother.tap("Continue")
    assert texts(replies)[-1] == item_text(services, "phq9", 4)
    replies = await answer_items(mother, [SEVERAL_DAYS] * 5 + [NOT_AT_ALL])
    assert replies[0].text.startswith("Your PHQ-9 score is 8 out of 27")


async def test_next_checkin_offers_to_continue_an_unfinished_questionnaire(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    await answer_items(mother, [SEVERAL_DAYS] * 2)
    await mother.tap("Pause, finish later")
    clock.set(at(22, 9))
    await tick_and_read(services, mother)
    await mother.tap("🙂")
    replies = await skip_to_the_end(mother)
    assert texts(replies)[-1] == t(services, "screening.offer_resume")
    replies = await mother.tap("Continue")
    assert texts(replies)[-1] == item_text(services, "phq9", 3)


async def test_an_unfinished_questionnaire_older_than_a_week_starts_again(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    await answer_items(mother, [SEVERAL_DAYS] * 2)
    await mother.tap("Pause, finish later")
    clock.set(at(29, 9))
    replies = await mother.tap("Continue")
    assert texts(replies)[-1] == item_text(services, "phq9", 1)
    statuses = [row.status for row in await screenings(services, mother_id)]
    assert statuses == ["dropped", "open"]


async def checkin_on_day(
    mother: ChatDriver, services: Services, clock: ManualClock, day: int
) -> list[SentMessage]:
    """Her 09:00 check-in on that day of November (December past 30), mood then Skip to the end."""
    month, day = (11, day) if day <= 30 else (12, day - 30)
    clock.set(at(day, 8, month=month))
    await tick(services)  # the days in between, recorded missed (the bot was not running)
    clock.set(at(day, 9, month=month))
    await tick_and_read(services, mother)
    await mother.tap("🙂")
    return await skip_to_the_end(mother)


OFFER_16 = (
    "One more thing today, if you have a few minutes: a short questionnaire about how you've been "
    "lately (16 questions, one tap each). It helps you and your care team notice changes over "
    "time. There are no right or wrong answers."
)


async def test_not_today_rests_the_offer_three_days_and_twice_for_four_weeks_without_a_birth_date(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    """Issue 17 (2): not an offer after every check-in. She gave no birth date, so after a second
    "Not today" the wait is the 28 days of the clock without one."""
    mother_id = await onboarded(mother, services)
    replies = await finish_checkin(mother, services, clock)  # the 21st
    assert texts(replies)[-1] == OFFER_16
    replies = await mother.tap("Not today")
    assert texts(replies) == ["That's fine. I won't offer it again for a few days."]
    assert await screenings(services, mother_id) == []
    for day in (22, 23):
        assert OFFER_16 not in texts(await checkin_on_day(mother, services, clock, day))
    assert texts(await checkin_on_day(mother, services, clock, 24))[-1] == OFFER_16
    replies = await mother.tap("Not today")
    assert texts(replies) == [
        "That's fine. I'll leave questionnaires for a while before I offer one again. You can "
        "tell me how you are any time with /checkin."
    ]
    for day in (25, 30, 40, 51):
        assert OFFER_16 not in texts(await checkin_on_day(mother, services, clock, day))
    assert texts(await checkin_on_day(mother, services, clock, 52))[-1] == OFFER_16  # 24 + 28
    await mother.tap("Start")  # starting one clears the declines
    stored = await load_mother(services)
    assert stored is not None
    assert (stored.screening_declines, stored.screening_declined_on) == (0, None)


async def test_after_two_declines_the_next_milestone_brings_the_offer(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    """Born on 1 November: the 6-week milestone is 13 December."""
    await reach(mother, "birth_date")
    await mother.say("2026-11-01")
    await mother.tap("No, thanks")
    await finish_checkin(mother, services, clock)  # the 21st
    await mother.tap("Not today")
    assert texts(await checkin_on_day(mother, services, clock, 24))[-1] == OFFER_16
    await mother.tap("Not today")
    for day in (25, 35, 42):  # up to 12 December
        assert OFFER_16 not in texts(await checkin_on_day(mother, services, clock, day))
    assert texts(await checkin_on_day(mother, services, clock, 43))[-1] == OFFER_16


# --- bad input ------------------------------------------------------------------------------------


async def test_typing_at_an_item_asks_for_a_tap_and_stores_nothing(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    replies = await mother.say("2")
    assert texts(replies) == [t(services, "screening.tap_please"), item_text(services, "phq9", 1)]
    [row] = await screenings(services, mother_id)
    assert read_answers(row, services.vault) == {}


async def test_worrying_words_typed_at_an_item_get_help_and_no_correction(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    await mother.tap("Start")
    replies = await mother.say("honestly I want to die")
    assert len(replies) == 1  # "please tap one of the answers" would talk over the help
    assert replies[0].text.startswith("Thank you for telling me. Thoughts like these")
    conversation = await load_conversation(services, mother_id)
    assert conversation is not None
    assert conversation.step == "phq9.interest"  # the item waits for her


async def test_an_earlier_items_button_is_stale_and_changes_nothing(
    mother: ChatDriver, services: Services, clock: ManualClock, telegram: FakeTelegram
) -> None:
    mother_id = await onboarded(mother, services)
    await finish_checkin(mother, services, clock)
    replies = await mother.tap("Start")
    first_item = replies[1]
    await mother.tap_on(first_item, SEVERAL_DAYS)
    # The first item's buttons are gone from her screen; an old copy of them still sends this:
    replies = await mother.deliver(mother.person.press_data(first_item, "st|q|phq9.interest|3"))
    assert replies == []
    assert telegram.callback_answers[-1]["text"] == t(services, "screening.stale")
    [row] = await screenings(services, mother_id)
    assert read_answers(row, services.vault) == {"interest": 1}


# --- the postpartum clock in the chat -------------------------------------------------------------


async def _done(
    services: Services, mother_id: str, instrument_id: str, answers: dict[str, int], days_ago: int
) -> None:
    """A questionnaire she completed `days_ago` days before now."""
    instrument = services.content.instrument("en", instrument_id)
    now = services.clock.now() - timedelta(days=days_ago)
    async with services.db.session() as session:
        mother = await load_mother(services)
        assert mother is not None
        row = await start_screening(
            session,
            services.vault,
            mother=mother,
            instrument=instrument_id,
            reason="enrolment",
            local_date=now.date(),
            now=now,
            answers=answers,
        )
        complete_screening(row, services.vault, score(instrument, answers), now.date(), now)


async def test_a_positive_brief_screen_leads_straight_to_the_full_one_without_asking_twice(
    mother: ChatDriver, services: Services, clock: ManualClock
) -> None:
    mother_id = await onboarded(mother, services)
    await update_mother(
        services, mother.person.user.id, onboarded_at=at(20, 12) - timedelta(days=30)
    )
    clock.set(at(21, 9))
    for instrument in ("phq9", "gad7"):
        items = services.content.instrument("en", instrument).item_ids
        await _done(services, mother_id, instrument, dict.fromkeys(items, 0), days_ago=20)
    await tick_and_read(services, mother)
    await mother.tap("🙂")
    replies = await skip_to_the_end(mother)
    assert texts(replies)[-1] == t(services, "screening.offer", count=4)  # PHQ-2 + GAD-2
    await mother.tap("Start")
    replies = await answer_items(mother, [MORE_THAN_HALF, NEARLY_EVERY_DAY])  # PHQ-2 = 5
    assert replies[0].text.startswith("Your PHQ-2 score is 5 out of 6")
    assert t(services, "screening.tier.brief_positive") in replies[0].text
    assert NOT_A_DIAGNOSIS in replies[0].text
    # The PHQ-9 follows, its first two items carried over from the PHQ-2 just answered.
    assert texts(replies)[-1] == item_text(services, "phq9", 3)
    stored = await screenings(services, mother_id)
    assert stored[-1].instrument == "phq9"
    assert read_reason(stored[-1], services.vault) == "after_brief"
    assert read_answers(stored[-1], services.vault) == {"interest": 2, "down": 3}


# --- a deployer's licensed EPDS (here the placeholder-worded fixture with the real scoring) -----

EPDS_FIXTURE = Path(__file__).parent / "fixtures" / "instruments"
# Item by item, the option that scores 0: items 1, 2 and 4 score top to bottom, the rest reversed.
EPDS_ZERO = ["Option A", "Option A", "Option D", "Option A"] + ["Option D"] * 6


class TestALicensedEpds:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, object]:
        return {"instruments_dir": EPDS_FIXTURE, "screening_tools": "epds,gad7"}

    async def test_it_is_offered_scored_with_reverse_items_and_not_a_diagnosis(
        self, mother: ChatDriver, services: Services, clock: ManualClock
    ) -> None:
        mother_id = await onboarded(mother, services)
        replies = await finish_checkin(mother, services, clock)
        assert texts(replies)[-1] == t(services, "screening.offer", count=10 + 7)
        replies = await mother.tap("Start")
        assert texts(replies)[-1] == item_text(services, "epds", 1)
        # Top option everywhere: 0+0+3+0+3*6 = 21, item 10 "Option A" scores 3 (a safety hit).
        replies = await answer_items(mother, ["Option A"] * 10)
        assert replies[0].text.startswith("Thank you for telling me. Thoughts like these")
        assert replies[1].text.startswith("Your EPDS (placeholder wording) score is 21 out of 30")
        assert NOT_A_DIAGNOSIS in replies[1].text
        [flag] = await flags(services, mother_id)
        assert (flag.level, flag.source) == ("urgent", "epds")

    @pytest.mark.parametrize(
        ("item10", "urgent"),
        [("Option A", True), ("Option B", True), ("Option C", True), ("Option D", False)],
    )
    async def test_item_10_above_zero_is_urgent_whatever_the_total(
        self, mother: ChatDriver, services: Services, clock: ManualClock, item10: str, urgent: bool
    ) -> None:
        mother_id = await onboarded(mother, services)
        await finish_checkin(mother, services, clock)
        await mother.tap("Start")
        replies = await answer_items(mother, [*EPDS_ZERO[:9], item10])
        crisis = replies[0].text.startswith("Thank you for telling me. Thoughts like these")
        assert crisis is urgent
        assert [flag.level for flag in await flags(services, mother_id)] == (
            ["urgent"] if urgent else []
        )
        [epds] = [row for row in await screenings(services, mother_id) if row.instrument == "epds"]
        result = read_result(epds, services.vault)
        assert result is not None
        assert result.total == {"Option A": 3, "Option B": 2, "Option C": 1, "Option D": 0}[item10]
        assert result.tier.label == ("urgent" if urgent else "routine")


async def test_a_screening_tool_without_its_file_stops_start_up(
    settings_values: dict[str, object],
) -> None:
    from companion.app import build_services
    from companion.config import load_settings
    from companion.content import ContentError

    settings = load_settings({**settings_values, "screening_tools": "epds,gad7"})
    with pytest.raises(
        ContentError, match="COMPANION_SCREENING_TOOLS: no instrument file for epds"
    ):
        build_services(settings)
