"""Her check-ins and questionnaires as a table: one row per answer and one per questionnaire
total, in her language, with dates in her time zone (read from her readable export:
companion.bot.mydata_words)."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from companion.content import Content

COLUMNS = ("day", "answered_at", "kind", "question", "value", "answer")


def _checkin_rows(content: Content, locale: str, export: dict[str, Any]) -> list[list[Any]]:
    days = {checkin["id"]: checkin["local_date"] for checkin in export.get("checkins", [])}
    kind = content.text(locale, "data.csv.checkin")
    return [
        [
            days.get(answer["checkin_id"], ""),
            answer["answered_at"],
            kind,
            answer.get("question_words", answer["question"]),
            answer["value"] if isinstance(answer["value"], int) else "",
            answer.get("answer_words", answer["value"]),
        ]
        for answer in export.get("answers", [])
    ]


def _screening_rows(content: Content, locale: str, export: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for screening in export.get("screenings", []):
        day = screening["local_date"]
        at = screening["completed_at"] or screening["started_at"]
        kind = screening.get("instrument_name", screening["instrument"])
        answers = screening.get("answers")
        for entry in answers if isinstance(answers, list) else []:
            question = entry.get("question_words", entry["item"])
            label = entry.get("answer_words", "")
            rows.append([day, at, kind, question, entry.get("score", ""), label])
        result = screening.get("result")
        if isinstance(result, dict):
            total = content.text(locale, "data.csv.total", most=result["max_total"])
            band = result.get("band_words") or ""
            rows.append([day, at, kind, total, result["total"], band])
    return rows


def answers_csv(content: Content, locale: str, export: dict[str, Any]) -> bytes:
    """The table, oldest first (by day, then by when she answered), as UTF-8 with a byte-order
    mark so that spreadsheets show her accents."""
    rows = _checkin_rows(content, locale, export) + _screening_rows(content, locale, export)
    # by the instant, not the text: an hour repeated when clocks go back still sorts in order
    rows.sort(key=lambda row: (row[0], datetime.fromisoformat(row[1])))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([content.text(locale, f"data.csv.column.{name}") for name in COLUMNS])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")
