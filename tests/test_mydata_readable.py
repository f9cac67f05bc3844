"""/mydata in words: her export's answers carry their question and label in her language, its
times are in her time zone, nothing inside it is a string of JSON; and a CSV of her answers
comes beside it, one row per answer and one per questionnaire total."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from companion.bot.context import Services
from companion.core.instruments import score
from companion.devtools.driver import ChatDriver
from companion.devtools.fake_telegram import SentMessage
from companion.store.checkins import save_answer
from companion.store.models import Checkin, CheckinStatus, Mother, new_id
from companion.store.screenings import complete_screening, start_screening
from tests.checkin_helpers import add_mother, update_mother

USER = 4004


def utc(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def script(services: Services, mother_id: str) -> None:
    """Two check-ins (the 18th: mood, sleep and a note; the 19th: mood and anxiety) and a PHQ-2
    completed on the 19th, written as the bot writes them."""
    vault = services.vault
    async with services.db.session() as session:
        mother = await session.get(Mother, mother_id)
        assert mother is not None
        days = {
            18: [("mood", "2", 15, 0), ("sleep", "4", 15, 1), ("note", "tired, but ok", 15, 2)],
            19: [("mood", "4", 14, 0), ("anxiety", "1", 14, 1)],
        }
        for day, answers in days.items():
            checkin = Checkin(
                id=new_id(),
                mother_id=mother_id,
                local_date=date(2026, 11, day),
                status=CheckinStatus.DONE,
                due_at=utc(day, 14, 0),
                created_at=utc(day, 14, 0),
            )
            session.add(checkin)
            for question, value, hour, minute in answers:
                await save_answer(
                    session,
                    vault,
                    checkin=checkin,
                    question=question,
                    value=value,
                    now=utc(day, hour, minute),
                )
        answers = {"interest": 1, "down": 2}
        row = await start_screening(
            session,
            vault,
            mother=mother,
            instrument="phq2",
            reason="enrolment",
            local_date=date(2026, 11, 19),
            now=utc(19, 14, 5),
            answers=answers,
        )
        result = score(services.content.instrument("en", "phq2"), answers)
        complete_screening(row, vault, result, date(2026, 11, 19), utc(19, 14, 6))


async def her_files(
    services: Services, person_factory: Callable[..., ChatDriver], locale: str, zone: str
) -> list[SentMessage]:
    mother_id = await add_mother(services, USER, zone=zone)
    await update_mother(services, USER, locale=locale)
    await script(services, mother_id)
    replies = await person_factory(USER).say("/mydata")
    return [message for message in replies if message.document is not None]


def table(sent: SentMessage) -> list[list[str]]:
    assert sent.document is not None
    return list(csv.reader(io.StringIO(sent.document.decode("utf-8-sig"))))


async def test_her_answers_as_a_csv_in_english(
    services: Services, person_factory: Callable[..., ChatDriver]
) -> None:
    _, sent = await her_files(services, person_factory, "en", "America/New_York")
    assert sent.filename == "companion-my-answers.csv"
    assert sent.protect_content is True
    assert sent.text == (
        "Your check-ins and questionnaires as a table (CSV, opens in a spreadsheet): one row per "
        "answer, dates in your time zone."
    )
    assert table(sent) == [
        ["Day", "Answered at", "Kind", "Question", "Value", "Answer"],
        ["2026-11-18", "2026-11-18T10:00:00-05:00", "Check-in", "How are you feeling today?",
         "2", "Low"],
        ["2026-11-18", "2026-11-18T10:01:00-05:00", "Check-in", "How did you sleep last night?",
         "4", "Well"],
        ["2026-11-18", "2026-11-18T10:02:00-05:00", "Check-in",
         "Anything you want to tell me?", "", "tired, but ok"],
        ["2026-11-19", "2026-11-19T09:00:00-05:00", "Check-in", "How are you feeling today?",
         "4", "Good"],
        ["2026-11-19", "2026-11-19T09:01:00-05:00", "Check-in",
         "How anxious or worried have you felt today?", "1", "A little"],
        ["2026-11-19", "2026-11-19T09:06:00-05:00", "PHQ-2",
         "Little interest or pleasure in doing things", "1", "Several days"],
        ["2026-11-19", "2026-11-19T09:06:00-05:00", "PHQ-2",
         "Feeling down, depressed, or hopeless", "2", "More than half the days"],
        ["2026-11-19", "2026-11-19T09:06:00-05:00", "PHQ-2", "Total score (out of 6)", "3",
         "at or above the cut-off"],
    ]  # fmt: skip


async def test_her_answers_as_a_csv_in_spanish(
    services: Services, person_factory: Callable[..., ChatDriver]
) -> None:
    _, sent = await her_files(services, person_factory, "es", "America/Mexico_City")
    assert sent.text == (
        "Tus registros y cuestionarios como tabla (CSV, se abre en una hoja de cálculo): una fila "
        "por respuesta, con las fechas en tu zona horaria."
    )
    assert table(sent) == [
        ["Día", "Respondida", "Tipo", "Pregunta", "Valor", "Respuesta"],
        ["2026-11-18", "2026-11-18T09:00:00-06:00", "Registro diario", "¿Cómo te sientes hoy?",
         "2", "Bajo"],
        ["2026-11-18", "2026-11-18T09:01:00-06:00", "Registro diario", "¿Cómo dormiste anoche?",
         "4", "Bien"],
        ["2026-11-18", "2026-11-18T09:02:00-06:00", "Registro diario",
         "¿Hay algo que quieras contarme?", "", "tired, but ok"],
        ["2026-11-19", "2026-11-19T08:00:00-06:00", "Registro diario", "¿Cómo te sientes hoy?",
         "4", "Bien"],
        ["2026-11-19", "2026-11-19T08:01:00-06:00", "Registro diario",
         "¿Qué tan ansiosa o preocupada te has sentido hoy?", "1", "Un poco"],
        ["2026-11-19", "2026-11-19T08:06:00-06:00", "PHQ-2",
         "Poco interés o placer en hacer cosas", "1", "Varios días"],
        ["2026-11-19", "2026-11-19T08:06:00-06:00", "PHQ-2",
         "Se ha sentido decaído(a), deprimido(a) o sin esperanzas", "2",
         "Más de la mitad de los días"],
        ["2026-11-19", "2026-11-19T08:06:00-06:00", "PHQ-2", "Puntuación total (de 6)", "3",
         "en el punto de corte o por encima"],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("locale", "zone", "words"),
    [
        ("en", "America/New_York", ("How are you feeling today?", "Low", "Several days")),
        ("es", "America/Mexico_City", ("¿Cómo te sientes hoy?", "Bajo", "Varios días")),
    ],
)
async def test_her_json_is_decoded_and_complete(
    services: Services,
    person_factory: Callable[..., ChatDriver],
    locale: str,
    zone: str,
    words: tuple[str, str, str],
) -> None:
    sent, _ = await her_files(services, person_factory, locale, zone)
    assert sent.filename == "companion-my-data.json"
    assert sent.protect_content is True
    assert sent.document is not None
    export: dict[str, Any] = json.loads(sent.document)
    offset = "-05:00" if locale == "en" else "-06:00"
    assert export["exported_at"].endswith(offset)
    assert export["mother"]["created_at"].endswith(offset)
    first = export["answers"][0]
    assert (first["question"], first["value"]) == ("mood", 2)  # a number, not "2"
    assert (first["question_words"], first["answer_words"]) == words[:2]
    assert first["answered_at"].endswith(offset)
    assert [answer["value"] for answer in export["answers"]] == [2, 4, "tired, but ok", 4, 1]
    [phq2] = export["screenings"]
    assert phq2["instrument_name"] == "PHQ-2"
    assert [(a["item"], a["option"], a["score"]) for a in phq2["answers"]] == [
        ("interest", 1, 1),
        ("down", 2, 2),
    ]
    assert phq2["answers"][0]["answer_words"] == words[2]
    assert phq2["result"]["total"] == 3
    assert phq2["result"]["band"] == "at_or_above"
    assert phq2["completed_at"].endswith(offset)
    assert len(export["checkins"]) == 2

    def strings(value: Any) -> list[str]:
        if isinstance(value, dict):
            return [s for item in value.values() for s in strings(item)]
        if isinstance(value, list):
            return [s for item in value for s in strings(item)]
        return [value] if isinstance(value, str) else []

    assert [s for s in strings(export) if s.lstrip().startswith(("{", "["))] == []
