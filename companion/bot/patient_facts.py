"""The mothers sharing with a clinician, read from the database as plain facts, and the phrases
every summary shares (a score, a flag, one patient's block).

Only ever called with shares in force (companion.store.clinicians.shared_with or
share_for_clinician). A mother's notes are read only when she chose to share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from companion.bot.context import Services
from companion.bot.mother_view import format_date
from companion.bot.reaching import shown_name
from companion.content import Content
from companion.core.clinician_summary import (
    TREND_DAYS,
    FlagFact,
    PatientFacts,
    PatientRow,
    ScoreFact,
    flag_age,
    newborn_points,
    patient_row,
)
from companion.core.instruments import item_score
from companion.core.numbers import ascii_number
from companion.core.trends import DayPoint
from companion.core.zones import tzinfo_for
from companion.store.clinician_models import Clinician, Share
from companion.store.flags import read_detail
from companion.store.models import Answer, Checkin, Mother
from companion.store.safety_models import Flag, FlagStatus, Screening, ScreeningStatus
from companion.store.screenings import read_answers, read_result
from companion.store.sealed import open_sealed
from companion.vault import Vault

K = "clinician_summary."
SCALES = ("mood", "sleep", "anxiety")


def clinician_locale(content: Content, clinician: Clinician) -> str:
    return clinician.locale if clinician.locale in content.locales else content.default_locale


def local_today(mother: Mother, now: datetime) -> date:
    return now.astimezone(tzinfo_for(mother.timezone or "UTC")).date()


async def gather(
    services: Services,
    session: AsyncSession,
    pairs: Sequence[tuple[Share, Mother]],
    *,
    locale: str,
    days: int = 0,
) -> list[PatientFacts]:
    """Facts for each (share, mother): open flags, every result, her last check-in, and `days`
    days of answers (with her notes only where the share includes them). A few queries for the
    whole list, not a few per mother."""
    if not pairs:
        return []
    now, vault = services.clock.now(), services.vault
    ids = [mother.id for _, mother in pairs]
    todays = {mother.id: local_today(mother, now) for _, mother in pairs}
    answers = await _answers(session, vault, ids, min(todays.values()), days) if days else {}
    last = await _last_checkins(session, ids)
    scores = await _scores(session, services, ids, locale)
    flags = await _open_flags(session, vault, ids)
    facts = []
    for share, mother in pairs:
        by_day = answers.get(mother.id, {})
        notes = sorted((day, a["note"]) for day, a in by_day.items() if "note" in a)
        joined = mother.onboarded_at or mother.created_at
        facts.append(
            PatientFacts(
                share_id=share.id,
                name=shown_name(services, locale, share),  # with the clinician's label
                status=mother.status,
                today=todays[mother.id],
                joined=local_today(mother, joined),
                last_checkin=last.get(mother.id),
                days=tuple(_point(day, by_day[day]) for day in sorted(by_day)),
                scores=tuple(scores.get(mother.id, ())),
                flags=tuple(flags.get(mother.id, ())),
                notes=tuple(notes) if share.include_notes else (),
            )
        )
    return facts


def _point(day: date, answers: dict[str, str]) -> DayPoint:
    values = [answers.get(question, "") for question in SCALES]
    mood, sleep, anxiety = (ascii_number(v) for v in values)
    return DayPoint(day, mood, sleep, anxiety)


async def _answers(
    session: AsyncSession, vault: Vault, ids: list[str], today: date, days: int
) -> dict[str, dict[date, dict[str, str]]]:
    first = today - timedelta(days=days)  # a day early: time zones differ by less than one
    query = (
        select(Checkin.mother_id, Checkin.local_date, Answer)
        .join(Answer, Answer.checkin_id == Checkin.id)
        .where(Checkin.mother_id.in_(ids), Checkin.local_date >= first)
    )
    found: dict[str, dict[date, dict[str, str]]] = {}
    for mother_id, day, answer in (await session.execute(query)).all():
        value = open_sealed(answer, "value_sealed", vault)
        if value is not None:  # None: it does not open here (companion.store.sealed)
            found.setdefault(mother_id, {}).setdefault(day, {})[answer.question] = value
    return found


async def _last_checkins(session: AsyncSession, ids: list[str]) -> dict[str, date]:
    """The last local day each mother answered a check-in question."""
    query = (
        select(Checkin.mother_id, func.max(Checkin.local_date))
        .join(Answer, Answer.checkin_id == Checkin.id)
        .where(Checkin.mother_id.in_(ids))
        .group_by(Checkin.mother_id)
    )
    return {mother_id: day for mother_id, day in (await session.execute(query)).all()}


async def _scores(
    session: AsyncSession, services: Services, ids: list[str], locale: str
) -> dict[str, list[ScoreFact]]:
    query = (
        select(Screening)
        .where(Screening.mother_id.in_(ids), Screening.status == ScreeningStatus.DONE)
        .order_by(Screening.completed_at)
    )
    found: dict[str, list[ScoreFact]] = {}
    for row in (await session.scalars(query)).all():
        fact = score_fact(services.content, services.vault, row, locale)
        if fact is not None:
            found.setdefault(row.mother_id, []).append(fact)
    return found


async def her_scores(
    session: AsyncSession, services: Services, mother_id: str, locale: str
) -> list[ScoreFact]:
    """Every questionnaire she completed, oldest first, in `locale`'s words."""
    return (await _scores(session, services, [mother_id], locale)).get(mother_id, [])


def score_fact(content: Content, vault: Vault, row: Screening, locale: str) -> ScoreFact | None:
    result = read_result(row, vault)
    if result is None or row.completed_at is None:
        return None
    try:
        instrument = content.instrument(locale, row.instrument)
    except KeyError:  # a licensed file since removed: the numbers still stand
        name, band, newborn = row.instrument.upper(), result.band, None
    else:
        found = instrument.band_for(result.total) if instrument.kind == "full" else None
        name, band = instrument.name, found.label if found else None
        points = {
            item: item_score(instrument, item, option)
            for item, option in read_answers(row, vault).items()
            if item in instrument.scores
        }
        newborn = newborn_points(row.instrument, points)
    return ScoreFact(
        instrument=row.instrument,
        name=name,
        local_date=result.local_date,
        completed_at=row.completed_at,
        total=result.total,
        max_total=result.max_total,
        band=band,
        tier=result.tier,
        newborn_points=newborn,
    )


async def _open_flags(
    session: AsyncSession, vault: Vault, ids: list[str]
) -> dict[str, list[FlagFact]]:
    query = (
        select(Flag)
        .where(Flag.mother_id.in_(ids), Flag.status == FlagStatus.OPEN)
        .order_by(Flag.raised_at)
    )
    found: dict[str, list[FlagFact]] = {}
    for flag in (await session.scalars(query)).all():
        detail = read_detail(flag, vault)
        found.setdefault(flag.mother_id, []).append(
            FlagFact(detail.level, detail.source, flag.raised_at, detail.reasons)
        )
    return found


# --- phrases ---------------------------------------------------------------------------------


def say(content: Content, locale: str, key: str, **params: object) -> str:
    return content.text(locale, K + key, **params)


def when(content: Content, locale: str, day: date) -> str:
    return format_date(content, locale, day)


def days_ago(content: Content, locale: str, days: int) -> str:
    if days <= 1:
        return say(content, locale, "ago.today" if days <= 0 else "ago.yesterday")
    return say(content, locale, "ago.days", count=days)


def day_count(content: Content, locale: str, days: int) -> str:
    return say(content, locale, "count.day" if days == 1 else "count.days", count=days)


def level_word(content: Content, locale: str, level: str) -> str:
    key = f"level.{level}"
    return say(content, locale, key) if content.has(locale, K + key) else level


def source_words(content: Content, locale: str, source: str) -> str:
    if content.has(locale, K + f"source.{source}"):
        return say(content, locale, f"source.{source}")
    try:
        name = content.instrument(locale, source).name
    except KeyError:
        return say(content, locale, "source.other", source=source)
    return say(content, locale, "source.questionnaire", name=name)


def age_words(content: Content, locale: str, raised_at: datetime, now: datetime) -> str:
    unit, count = flag_age(raised_at, now)
    return say(content, locale, f"ago.{unit}", count=count)


def score_words(content: Content, locale: str, score: ScoreFact) -> str:
    newborn = ""
    if score.newborn_points is not None:
        newborn = say(content, locale, "score.newborn", points=score.newborn_points)
    return say(
        content,
        locale,
        "score.line",
        name=score.name,
        total=score.total,
        max_total=score.max_total,
        band=say(content, locale, "score.band", band=score.band) if score.band else "",
        tier=say(content, locale, f"tier.{score.tier.label}"),
        date=when(content, locale, score.local_date),
        newborn=newborn,
    )


def patient_block(content: Content, locale: str, row: PatientRow, *, caveat: bool) -> str:
    """One mother in a few lines: flags, last check-in, mood trend, latest scores, her status;
    with `caveat`, the postpartum caveat when a PHQ-9 is shown."""
    t = partial(say, content, locale)
    lines = [row.name]
    if row.open_flags:
        level = level_word(content, locale, row.top_flag or "")
        lines = [t("block.flags", name=row.name, count=row.open_flags, level=level)]
    if row.last_checkin is not None and row.days_quiet is not None:
        ago = days_ago(content, locale, row.days_quiet)
        lines.append(t("block.last_checkin", date=when(content, locale, row.last_checkin), ago=ago))
    elif row.days_quiet is not None:
        lines.append(t("block.never", ago=days_ago(content, locale, row.days_quiet)))
    trend = row.trend
    if trend.mood_mean is None:
        lines.append(t("block.trend_none"))
    else:
        lines.append(
            t(
                "block.trend_one" if trend.answered_days == 1 else "block.trend",
                mean=f"{trend.mood_mean:.1f}",
                answered=trend.answered_days,
                window=trend.window_days,
                low=trend.low_mood_days,
                direction=t(f"direction.{trend.direction}"),
            )
        )
    if row.latest:
        scores = "; ".join(score_words(content, locale, score) for score in row.latest)
        lines.append(t("block.scores", scores=scores))
    else:
        lines.append(t("block.scores_none"))
    if content.has(locale, K + f"status.{row.status}"):
        lines.append(t("block.status", status=t(f"status.{row.status}")))
    if caveat and row.caveat:
        lines.append(t("caveat"))
    return "\n".join(lines)


async def patient_text(
    services: Services,
    session: AsyncSession,
    share: Share,
    mother: Mother,
    locale: str,
) -> str:
    """One mother's block with the caveat, as her clinician sees her in /patients."""
    [facts] = await gather(services, session, [(share, mother)], locale=locale, days=TREND_DAYS)
    row = patient_row(facts, silent_days=services.settings.silent_days)
    return patient_block(services.content, locale, row, caveat=True)
