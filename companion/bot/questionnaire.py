"""Questionnaires on the postpartum clock, riding along with the daily check-in: one tap per item,
paused and resumed at will, scored by the generic engine, the result told in plain words.

A safety item (PHQ-9 item 9, EPDS item 10) answered above zero gets the crisis reply the moment
it is tapped, ahead of everything waiting, whatever the total will be.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.context import Services
from companion.bot.crisis import lines_for, respond_to_risk
from companion.bot.help import callback_buttons
from companion.bot.replies import Button, Reply
from companion.bot.risk_reading import Risk
from companion.bot.steps import Outcome, Step, Turn
from companion.core.instruments import Instrument, Score, safety_hit, score
from companion.core.numbers import ascii_number
from companion.core.safety_answers import CLARIFY, read_safety_answer
from companion.core.screening_plan import Due, Policy, due_today, may_offer
from companion.core.tiers import Tier
from companion.core.zones import tzinfo_for
from companion.store.models import Mother
from companion.store.mothers import end_conversation, read_birth_date, set_conversation
from companion.store.safety_models import Screening
from companion.store.screenings import (
    as_given,
    complete_screening,
    done_on,
    read_answers,
    results,
    resumable,
    screening_for,
    start_screening,
    write_answers,
)

QUESTIONNAIRE = "q"
START, LATER = "scr|start", "scr|later"


def local_today(services: Services, mother: Mother) -> date:
    return services.clock.now().astimezone(tzinfo_for(mother.timezone or "UTC")).date()


def _instrument(services: Services, mother: Mother, instrument_id: str) -> Instrument:
    return services.content.instrument(mother.locale, instrument_id)


# --- the item steps ---------------------------------------------------------------------------


def item_reply(turn: Turn, instrument: Instrument, item_id: str) -> Reply:
    index = instrument.item_ids.index(item_id)
    item = instrument.items[index]
    step = f"{instrument.id}.{item_id}"
    options = [[turn.button(step, o.label, str(n))] for n, o in enumerate(item.options)]
    pause = [turn.button(step, turn.t("screening.button.pause"), "pause")]
    text = turn.t(
        "screening.item",
        name=instrument.name,
        number=index + 1,
        count=len(instrument.items),
        stem=instrument.stem,
        text=item.text,
    )
    return Reply(text, [*options, pause])


def item_step(name: str) -> Step:
    """The step for one item, named "<instrument>.<item>"."""
    instrument_id, item_id = name.split(".", 1)

    def prompt(turn: Turn) -> list[Reply]:
        instrument = _instrument(turn.services, turn.mother, instrument_id)
        return [item_reply(turn, instrument, item_id)]

    def on_button(turn: Turn, value: str) -> Outcome:
        if value == "pause":
            return Outcome([], finish=True, data=turn.data)
        instrument = _instrument(turn.services, turn.mother, instrument_id)
        number = ascii_number(value)
        if number is not None and number < len(instrument.item(item_id).options):
            return Outcome([], accepted=True, answers={item_id: value})
        return Outcome(prompt(turn), data=turn.data)

    def on_text(turn: Turn, text: str) -> Outcome:
        instrument = _instrument(turn.services, turn.mother, instrument_id)
        item = instrument.item(item_id)
        if item.safety:
            answer = read_safety_answer(turn.words.safety, CLARIFY, text)
            if answer == "no":  # a typed "no" is the option that scores nothing
                none = next(n for n, option in enumerate(item.options) if option.score == 0)
                return Outcome([], accepted=True, answers={item_id: str(none)})
            if answer == "yes":  # answered at once by typed_item_risk; the item stays open
                return Outcome([], data=turn.data)
        return Outcome([Reply(turn.t("screening.tap_please")), *prompt(turn)], data=turn.data)

    return Step(prompt, on_button, on_text)


def typed_item_risk(services: Services, mother: Mother, step: str, text: str) -> Risk | None:
    """A typed "yes" to a safety item (PHQ-9 item 9, EPDS item 10) is urgent, as a tap above
    zero is; she is still asked how often, with the item's buttons."""
    if not is_item_step(step):
        return None
    instrument_id, item_id = step.split(".", 1)
    instrument = _instrument(services, mother, instrument_id)
    if not instrument.item(item_id).safety:
        return None
    if read_safety_answer(services.content.words(mother.locale).safety, CLARIFY, text) != "yes":
        return None
    return Risk("urgent", (f"{instrument.id}.{item_id}",), instrument.id)


def is_item_step(name: str) -> bool:
    return "." in name


# --- what is due, offering and starting -------------------------------------------------------


async def due_now(services: Services, session: AsyncSession, mother: Mother) -> list[Due]:
    """Today's questionnaires on her postpartum clock, among those this deployment has."""
    if mother.onboarded_at is None:
        return []
    zone = tzinfo_for(mother.timezone or "UTC")
    done = [as_given(result) for result in await results(session, services.vault, mother.id)]
    return due_today(
        local_today(services, mother),
        enrolled_on=mother.onboarded_at.astimezone(zone).date(),
        birth_date=read_birth_date(mother, services.vault),
        history=done,
        policy=screening_policy(services),
    )


def screening_policy(services: Services) -> Policy:
    """The clock's policy from the settings and the instrument files: the full tools chosen
    (COMPANION_SCREENING_TOOLS), each brief tool that leads to one of them, and every tool's
    minimum interval as its file gives it."""
    content = services.content
    shipped = content.instruments.get(content.default_locale, {})
    full = services.settings.screening_full
    return Policy(
        full=full,
        brief_for={  # in the order of the full tools they lead to
            tool.id: chosen
            for chosen in full
            for tool in shipped.values()
            if tool.kind == "brief" and tool.full_tool == chosen
        },
        min_interval_days={tool.id: tool.min_interval_days for tool in shipped.values()},
    )


async def offer(services: Services, session: AsyncSession, mother: Mother) -> list[Reply]:
    """After a check-in: offer to carry on an unfinished questionnaire, or today's due ones.
    Nothing on a day her prompts rest after a crisis reply."""
    now = services.clock.now()
    if mother.prompts_paused_until is not None and now < mother.prompts_paused_until:
        return []
    t, locale = services.content.text, mother.locale
    later = Button(t(locale, "screening.button.later"), LATER)
    today = local_today(services, mother)
    birth_date = read_birth_date(mother, services.vault)
    if not may_offer(
        today,
        declines=mother.screening_declines,
        declined_on=mother.screening_declined_on,
        birth_date=birth_date,
        policy=screening_policy(services),
    ):
        return []  # she said "Not today": see may_offer for how long that lasts
    if await resumable(session, mother, now) is not None:
        resume = Button(t(locale, "screening.button.resume"), START)
        return [Reply(t(locale, "screening.offer_resume"), [[resume, later]])]
    due = await due_now(services, session, mother)
    if not due:
        return []
    count = sum(len(_instrument(services, mother, entry.instrument).items) for entry in due)
    start = Button(t(locale, "screening.button.start"), START)
    return [Reply(t(locale, "screening.offer", count=count), [[start, later]])]


async def start(services: Services, session: AsyncSession, mother: Mother) -> list[Reply]:
    """Carry on her unfinished questionnaire, or begin the first one due today."""
    now = services.clock.now()
    row = await resumable(session, mother, now)
    if row is None:
        due = await due_now(services, session, mother)
        if not due:
            return [Reply(services.content.text(mother.locale, "screening.nothing_due"))]
        row = await _begin(services, session, mother, due[0])
    return await _ask_next(services, session, mother, row, intro=True)


async def _begin(services: Services, session: AsyncSession, mother: Mother, due: Due) -> Screening:
    """Start a questionnaire; a full tool starts with the answers of its brief tool given today
    (the same items over the same weeks), so she is not asked the same question twice."""
    today = local_today(services, mother)
    carried: dict[str, int] = {}
    for brief in services.content.instruments.get(mother.locale, {}).values():
        if brief.full_tool == due.instrument:
            earlier = await done_on(session, mother.id, brief.id, today)
            if earlier is not None:
                carried.update(read_answers(earlier, services.vault))
    return await start_screening(
        session,
        services.vault,
        mother=mother,
        instrument=due.instrument,
        reason=due.reason,
        local_date=today,
        now=services.clock.now(),
        answers=carried,
    )


async def _ask_next(
    services: Services, session: AsyncSession, mother: Mother, row: Screening, *, intro: bool
) -> list[Reply]:
    """Put her on the first unanswered item of `row` and ask it."""
    instrument = _instrument(services, mother, row.instrument)
    answered = read_answers(row, services.vault)
    item_id = next(i for i in instrument.item_ids if i not in answered)
    step = f"{instrument.id}.{item_id}"
    data = {"screening": row.id}
    await set_conversation(
        session,
        mother,
        flow=QUESTIONNAIRE,
        step=step,
        now=services.clock.now(),
        vault=services.vault,
        data=data,
    )
    turn = Turn(services, mother, QUESTIONNAIRE, data)
    ask = item_reply(turn, instrument, item_id)
    if not intro:
        return [ask]
    opening = turn.t(
        "screening.intro",
        name=instrument.name,
        count=len(instrument.items),
        licence=instrument.licence,
    )
    return [Reply(opening), ask]


# --- answering --------------------------------------------------------------------------------


async def advance_questionnaire(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    step: str,
    outcome: Outcome,
    data: dict[str, Any],
) -> list[Reply]:
    """Apply an item's outcome: store the answer, act on a safety item at once, then the next
    item, or the result and the next questionnaire due."""
    t, locale = services.content.text, mother.locale
    screening_id = data.get("screening")
    row = (
        await screening_for(session, screening_id, mother)
        if isinstance(screening_id, str)
        else None
    )
    if row is None:
        await end_conversation(session, mother)
        return [Reply(t(locale, "screening.gone"))]
    if outcome.finish:  # Pause
        await end_conversation(session, mother)
        resume = Button(t(locale, "screening.button.resume"), START)
        return [Reply(t(locale, "screening.paused"), [[resume]])]
    if not outcome.accepted:
        await set_conversation(
            session,
            mother,
            flow=QUESTIONNAIRE,
            step=step,
            now=services.clock.now(),
            vault=services.vault,
            data=data,
        )
        return list(outcome.replies)
    instrument = _instrument(services, mother, row.instrument)
    answers = read_answers(row, services.vault)
    help_first: list[Reply] = []
    for item_id, value in outcome.answers.items():
        answers[item_id] = int(value)
        if safety_hit(instrument, item_id, int(value)):
            help_first += await _act_on_safety_item(services, session, mother, instrument, item_id)
    write_answers(row, services.vault, answers)
    if len(answers) < len(instrument.items):
        return help_first + await _ask_next(services, session, mother, row, intro=False)
    result = score(instrument, answers, services.settings.thresholds)
    now = services.clock.now()
    complete_screening(row, services.vault, result, local_today(services, mother), now)
    buttons = await callback_buttons(services, session, mother)  # "ask my clinician to contact me"
    replies = [
        *help_first,
        replace(_result_reply(services, mother, instrument, result), buttons=buttons),
    ]
    if result.safety_hits:
        await end_conversation(session, mother)  # the rest can wait for another day
        return replies
    following = await due_now(services, session, mother)
    if not following:
        await end_conversation(session, mother)
        return [*replies, Reply(t(locale, "screening.done"))]
    upcoming = await _begin(services, session, mother, following[0])
    return replies + await _ask_next(services, session, mother, upcoming, intro=True)


async def _act_on_safety_item(
    services: Services,
    session: AsyncSession,
    mother: Mother,
    instrument: Instrument,
    item_id: str,
) -> list[Reply]:
    risk = Risk("urgent", (f"{instrument.id}.{item_id}",), instrument.id)
    response = await respond_to_risk(services, session, mother, mother.locale, risk)
    return [] if response is None else response.replies


def _result_reply(
    services: Services, mother: Mother, instrument: Instrument, result: Score
) -> Reply:
    t, locale = services.content.text, mother.locale
    band = instrument.band_for(result.total) if instrument.kind == "full" else None
    band_text = t(locale, "screening.result_band", band=band.label) if band and band.label else ""
    text = t(
        locale,
        "screening.result",
        name=instrument.name,
        total=result.total,
        max_total=result.max_total,
        band=band_text,
    )
    crisis, _ = lines_for(services, locale, mother.country)
    if instrument.kind == "brief" and not result.safety_hits:
        key = "brief_positive" if result.follow_up else "brief_routine"
    else:
        key = min(result.tier, Tier.URGENT).label
    return Reply(f"{text}\n\n{t(locale, f'screening.tier.{key}', crisis=crisis)}")
