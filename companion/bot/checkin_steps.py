"""The daily check-in's questions, as steps: one tap each, all optional after the mood."""

from __future__ import annotations

from companion.bot.replies import Button, Reply, rows
from companion.bot.steps import Outcome, Step, Turn
from companion.core.numbers import ascii_number

CHECKIN = "ci"
# question -> the values its buttons carry, in display order
SCALES: dict[str, tuple[int, ...]] = {
    "mood": (1, 2, 3, 4, 5),
    "sleep": (1, 2, 3, 4, 5),
    "anxiety": (0, 1, 2, 3),
    "closeness": (1, 2, 3, 4, 5),
    "support": (0, 1, 2),
}
QUESTIONS = (*SCALES, "note")
NOTE_LIMIT = 4096


def _extras(turn: Turn, question: str) -> list[list[Button]]:
    if question == "mood":
        return []
    return [
        [
            turn.button(question, turn.t("checkin.button.skip"), "skip"),
            turn.button(question, turn.t("checkin.button.done"), "done"),
        ]
    ]


def question_reply(turn: Turn, question: str) -> Reply:
    # Filling in yesterday (a back-fill), each question asks about yesterday.
    prompt = "prompt_yesterday" if turn.data.get("yesterday") else "prompt"
    if question == "note":
        return Reply(
            turn.t(f"checkin.note.{prompt}"),
            [[turn.button("note", turn.t("checkin.button.skip"), "skip")]],
        )
    scale = [
        turn.button(question, turn.t(f"checkin.{question}.button.{value}"), str(value))
        for value in SCALES[question]
    ]
    per_row = 5 if question == "mood" else 3
    return Reply(
        turn.t(f"checkin.{question}.{prompt}"),
        [*rows(scale, per_row), *_extras(turn, question)],
    )


def _asker(question: str) -> Step:
    def prompt(turn: Turn) -> list[Reply]:
        return [question_reply(turn, question)]

    def on_button(turn: Turn, value: str) -> Outcome:
        if value == "skip":
            return Outcome([], accepted=True)
        if value == "done":
            return Outcome([], finish=True)
        if ascii_number(value) in SCALES[question]:
            return Outcome([], accepted=True, answers={question: value})
        return Outcome(prompt(turn), data=turn.data or None)

    def on_text(turn: Turn, text: str) -> Outcome:
        typed = text.strip()
        if ascii_number(typed) in SCALES[question]:
            return on_button(turn, typed)
        # The mood question has no Skip: its own words say so.
        please = "checkin.tap_please_mood" if question == "mood" else "checkin.tap_please"
        return Outcome([Reply(turn.t(please)), *prompt(turn)], data=turn.data or None)

    return Step(prompt, on_button, on_text)


def _note() -> Step:
    def prompt(turn: Turn) -> list[Reply]:
        return [question_reply(turn, "note")]

    def on_button(turn: Turn, value: str) -> Outcome:
        return Outcome([], accepted=True) if value == "skip" else Outcome(prompt(turn))

    def on_text(turn: Turn, text: str) -> Outcome:
        return Outcome(
            [Reply(turn.t("checkin.note_saved"))],
            accepted=True,
            answers={"note": text[:NOTE_LIMIT]},
        )

    return Step(prompt, on_button, on_text)


CHECKIN_STEPS: dict[str, Step] = {question: _asker(question) for question in SCALES}
CHECKIN_STEPS["note"] = _note()
