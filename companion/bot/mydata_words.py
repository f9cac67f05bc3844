"""Her /mydata in words: each check-in answer with its question and the answer's label in her
language, each questionnaire answer with its item's words, option and score, each result with
the words of its band. What is stored stays (ids, option numbers); the words come beside it."""

from __future__ import annotations

from typing import Any

from companion.bot.checkin_steps import SCALES
from companion.content import Content
from companion.core.instruments import Instrument
from companion.core.numbers import ascii_number


def checkin_question(content: Content, locale: str, question: str) -> str:
    """A check-in question's words: its prompt up to the question mark (the mood's second line
    is the legend of its faces, the note's "Type it here, or tap Skip." an instruction)."""
    key = f"checkin.{question}.prompt"
    if not content.has(locale, key):
        return question
    line = content.text(locale, key).splitlines()[0]
    return line[: line.index("?") + 1] if "?" in line else line


def checkin_label(content: Content, locale: str, question: str, value: int) -> str:
    """The words of a check-in answer: the mood's faces as words, the others' buttons."""
    if question == "mood":
        words = content.text(locale, "history.chart.mood_words").split(",")
        return words[value - 1].strip() if 1 <= value <= len(words) else str(value)
    key = f"checkin.{question}.button.{value}"
    return content.text(locale, key) if content.has(locale, key) else str(value)


def decode_answer(content: Content, locale: str, row: dict[str, Any]) -> None:
    """One stored check-in answer, in place: its value a number (a note stays her words)."""
    question, value = row["question"], row["value"]
    row["question_words"] = checkin_question(content, locale, question)
    number = ascii_number(value) if question in SCALES and isinstance(value, str) else None
    if number is None:
        row["answer_words"] = value
        return
    row["value"] = number
    row["answer_words"] = checkin_label(content, locale, question, number)


def instrument_or_none(content: Content, locale: str, instrument_id: str) -> Instrument | None:
    try:
        return content.instrument(locale, instrument_id)
    except KeyError:
        return None


def item_answers(instrument: Instrument, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """A questionnaire's stored answers (item id -> the option she tapped), in the order asked,
    with the item's words, the option's label and its score."""
    decoded = []
    order = {item_id: index for index, item_id in enumerate(instrument.item_ids)}
    for item_id, option in sorted(answers.items(), key=lambda pair: order.get(pair[0], len(order))):
        entry: dict[str, Any] = {"item": item_id, "option": option}
        if item_id in order and isinstance(option, int):
            item = instrument.item(item_id)
            entry["question_words"] = item.text
            if 0 <= option < len(item.options):
                entry["score"] = item.options[option].score
                entry["answer_words"] = item.options[option].label
        decoded.append(entry)
    return decoded


def band_words(instrument: Instrument, band: str | None) -> str | None:
    return next((found.label for found in instrument.bands if found.key == band), None)


def decode_screening(content: Content, locale: str, row: dict[str, Any]) -> None:
    """One stored questionnaire, in place: its name, its answers in words, its band's words."""
    instrument = instrument_or_none(content, locale, row["instrument"])
    if instrument is None:
        return
    row["instrument_name"] = instrument.name
    if isinstance(row.get("answers"), dict):
        row["answers"] = item_answers(instrument, row["answers"])
    result = row.get("result")
    if isinstance(result, dict):
        result["band_words"] = band_words(instrument, result.get("band"))


def readable(content: Content, locale: str, export: dict[str, Any]) -> dict[str, Any]:
    """Her export with words beside the stored values (in place, and returned)."""
    for answer in export.get("answers", []):
        decode_answer(content, locale, answer)
    for screening in export.get("screenings", []):
        decode_screening(content, locale, screening)
    return export
