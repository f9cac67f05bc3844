"""Acting on a worrying answer or message: the reply, the stored flag, the paused prompts and the
scheduled "are you safe now?" follow-up (asked and answered in companion.bot.safety). Her words
are read in companion.bot.risk_reading.

Urgent and emergency replies go in the emergency lane, ahead of everything waiting, and never wait
for her to answer before showing help. A flag is stored only for a mother who consented (someone
who has not set up companion gets the same help, and nothing is kept). With clinicians linked
(her shares), the flag becomes an alert to them, queued after her reply
(companion/delivery/alert_repeats.py), and her reply says who was alerted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, filters

from companion.bot.abuse import abuse_reply, forget_words, is_abuse
from companion.bot.alert_text import join_names
from companion.bot.context import Ctx, Services, sender
from companion.bot.mother_view import crisis_block, emergency_words, suggest_locale
from companion.bot.presence import find_sender
from companion.bot.replies import Button, Reply, send
from companion.bot.risk_reading import Risk, read_words
from companion.bot.risk_reading import triage_lexicons as triage_lexicons  # for older imports
from companion.core.safety_answers import CLARIFY, FOLLOWUP
from companion.core.zones import tzinfo_for
from companion.delivery.alert_repeats import alert_at_commit
from companion.delivery.outbox import drop_scheduled
from companion.store.alerts import FLAG, create_alert, linked
from companion.store.clinicians import clinician_by_user
from companion.store.flags import raise_flag
from companion.store.models import Lane, Mother
from companion.store.safety_models import FlagStatus
from companion.store.safety_questions import ask

URGENT_LEVELS = ("urgent", "emergency")
# Commands whose words are machine-made codes (/start <payload>, /share <code>): random letters
# can spell a slang word ("kms") once split at "_" or "-", so they are never read for risk.
CODE_COMMANDS = ("/start", "/share")
CONCERN_TOPICS = ("support", "treatment")  # /learn topics offered under a concern reply


@dataclass(frozen=True)
class Response:
    """The replies for a risk and the lane they go in."""

    replies: list[Reply]
    lane: int
    asks: bool = False  # the clarifying question now waits for her answer


def lines_for(services: Services, locale: str, country: str | None) -> tuple[str, list[str]]:
    resources = services.content.resources_for(country)
    return crisis_block(services.content, locale, resources), [line.id for line in resources.lines]


def next_local_day(services: Services, mother: Mother, now: datetime) -> datetime:
    """When her next local day begins, in UTC."""
    zone = tzinfo_for(mother.timezone or "UTC")
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone).astimezone(now.tzinfo)


def next_key(mother: Mother | None, level: str, alerted: bool) -> str:
    """What happens next: her clinicians were alerted; nobody is linked (and how to link one);
    or she has not set up companion, so nothing can follow."""
    if mother is None:
        return "crisis.next_anonymous"
    return f"crisis.next_clinician_{level}" if alerted else "crisis.next_no_clinician"


async def respond_to_risk(
    services: Services,
    session: AsyncSession,
    mother: Mother | None,
    locale: str,
    risk: Risk,
) -> Response | None:
    """Build the reply for a risk and, for a mother who consented, store the flag, pause her
    prompts for the rest of her day and schedule the follow-up. None when nothing is called
    for."""
    content, now = services.content, services.clock.now()
    country = mother.country if mother else None
    abuse = is_abuse(risk.reasons)
    if abuse:  # a concern, or an emergency when she says she is in danger now (clinical-facts)
        level = "emergency" if risk.level == "emergency" else "concern"
        risk = replace(risk, level=level, ask_clarifying=False)
        if mother is not None:
            forget_words(mother)
    if risk.level in URGENT_LEVELS:
        minutes = services.settings.safety_followup_minutes
        clinicians = await linked(session, mother.id) if mother else []
        if abuse:
            reply, sent = abuse_reply(
                services, locale, country, danger=True, message_id=risk.message_id
            )
        else:
            names = [clinician.name for _, clinician in clinicians]
            reply, sent = _crisis_reply(services, locale, mother, _reply_kind(risk), names)
        if mother is not None:
            flag = await raise_flag(
                session,
                services.vault,
                mother=mother,
                level=risk.level,
                source=risk.source,
                reasons=risk.reasons,
                sent=sent,
                now=now,
                followup_at=now + timedelta(minutes=minutes),
            )
            mother.prompts_paused_until = next_local_day(services, mother, now)
            await drop_scheduled(session, mother.id)
            if clinicians:
                repeat_after = timedelta(minutes=services.settings.alert_repeat_minutes)
                alert = await create_alert(
                    session,
                    mother_id=mother.id,
                    kind=FLAG,
                    now=now,
                    flag_id=flag.id,
                    repeat_after=repeat_after,
                )
                alert_at_commit(services, session, alert, mother, risk.text)
        return Response([reply], Lane.EMERGENCY)
    asked_only = risk.level == "none" and risk.ask_clarifying  # a clear denial (clinical facts)
    if risk.level != "concern" and not asked_only:
        return None
    if abuse:
        reply, sent = abuse_reply(
            services, locale, country, danger=False, message_id=risk.message_id
        )
    else:
        crisis, line_ids = lines_for(services, locale, country)
        key = "crisis.clarify" if risk.ask_clarifying else "crisis.concern"
        reply, sent = Reply(content.text(locale, key, crisis=crisis)), [key, *line_ids]
    if mother is not None:
        # A denial's question is kept on a record of its own that no clinician is shown (not
        # a flag: level none); her answer to it is heard like any other.
        flag = await raise_flag(
            session,
            services.vault,
            mother=mother,
            level="none" if asked_only else "concern",
            source=risk.source,
            reasons=risk.reasons,
            sent=sent,
            now=now,
            status=FlagStatus.QUESTION if asked_only else FlagStatus.OPEN,
        )
        if risk.ask_clarifying:
            ask(flag, CLARIFY, now)
            reply = Reply(reply.text, question_buttons(services, locale, flag.id, CLARIFY))
    if not (risk.ask_clarifying or abuse):
        reply = Reply(reply.text, [_reading(services, locale)])
    return Response([reply], Lane.REPLY, asks=risk.ask_clarifying and mother is not None)


# Unwanted thoughts of the baby coming to harm, and nothing else (no self-harm, intent or plan).
BABY_THOUGHTS = frozenset({"harm_to_baby", "intrusive_thoughts"})


def _reply_kind(risk: Risk) -> str:
    """Which urgent or emergency reply: an urgent one about thoughts of the baby coming to harm
    says first that they are common and not a sign she will act."""
    if risk.level == "urgent" and risk.reasons and set(risk.reasons) <= BABY_THOUGHTS:
        return "urgent_baby_thoughts"
    return risk.level


def _crisis_reply(
    services: Services, locale: str, mother: Mother | None, kind: str, clinicians: list[str]
) -> tuple[Reply, list[str]]:
    """The urgent or emergency reply, ending with what happens next; and what it listed."""
    content = services.content
    country = mother.country if mother else None
    crisis, line_ids = lines_for(services, locale, country)
    resources = content.resources_for(country)
    emergency = emergency_words(content, locale, resources)
    text = content.text(locale, f"crisis.{kind}", crisis=crisis, emergency=emergency)
    level = kind.split("_")[0]  # urgent_baby_thoughts is an urgent reply
    key = next_key(mother, level, bool(clinicians))
    minutes = services.settings.safety_followup_minutes
    names = join_names(services, locale, clinicians)
    text += "\n\n" + content.text(locale, key, minutes=minutes, clinicians=names)
    return Reply(text, urgent=True), [f"crisis.{kind}", key, *line_ids]


def question_buttons(
    services: Services, locale: str, flag_id: str, question: str
) -> list[list[Button]]:
    """One-tap answers to a safety question (CLARIFY side by side, FOLLOWUP one per row):
    <question>|<flag id>|<answer>."""
    t = services.content.text
    if question == CLARIFY:
        row = [
            Button(t(locale, f"crisis.button.clarify_{answer}"), f"{CLARIFY}|{flag_id}|{answer}")
            for answer in ("yes", "no")
        ]
        return [row]
    return [
        [Button(t(locale, f"crisis.button.{answer}"), f"{FOLLOWUP}|{flag_id}|{answer}")]
        for answer in ("safe", "unsafe", "misread")
    ]


def _reading(services: Services, locale: str) -> list[Button]:
    """Under a concern reply: short reads on support and on when to think about treatment,
    for when she wants them (a button, not more text at a hard moment)."""
    return [
        Button(services.content.text(locale, f"learn.button.topic.{topic}"), f"learn|{topic}")
        for topic in CONCERN_TOPICS
    ]


async def check_side_text(update: Update, context: Ctx) -> None:
    """Words typed after a command ("/help I want to die") or into an edited message are read
    too: nothing else reads them, so an urgent risk found there is answered here, instead of the
    command."""
    message = update.effective_message
    if message is None:
        return
    text = message.text or message.caption or ""
    edited = update.edited_message is not None
    if not edited:
        command, _, text = text.partition(" ")
        if command.split("@")[0].lower() in CODE_COMMANDS:
            return  # a deep-link payload or an invitation code, not words she wrote
    if not text.strip():
        return  # a bare command: nothing to read, so no session is opened
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        mother = await find_sender(services, session, user.id)
        locale = mother.locale if mother else suggest_locale(user.language_code, services.content)
        source = "edited" if edited else "command"
        risk = read_words(
            services, mother, text, source, remember=False, language_code=user.language_code
        )
        if risk is None or risk.level not in URGENT_LEVELS:
            return  # nothing else answers these, so a mild concern here waits for her next message
        if mother is None and await clinician_by_user(session, user.id) is not None:
            return  # a clinician quoting a patient ("/summary ... she said she wants to die")
        response = await respond_to_risk(services, session, mother, locale, risk)
        if response is not None:
            await send(
                context,
                chat.id,
                response.replies,
                lane=response.lane,
                session=session,
                mother_id=mother.id if mother else None,
            )
    if not edited:
        # The reply answers her; a check-in or an export sent now would talk over it. She can
        # send the command again whenever she wants.
        raise ApplicationHandlerStop


def early_handlers() -> list[BaseHandler[Update, Ctx, None]]:
    """Run before the features' handlers, so the crisis reply is queued first."""
    return [
        MessageHandler(
            (filters.COMMAND & filters.UpdateType.MESSAGE)
            | ((filters.TEXT | filters.CAPTION) & filters.UpdateType.EDITED_MESSAGE),
            check_side_text,
        )
    ]
