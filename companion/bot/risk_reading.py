"""Reading what she typed for risk: the triage in her languages, over her last few messages.

What was found is a Risk; companion.bot.crisis acts on it (the reply, the flag, the alert)."""

from __future__ import annotations

from dataclasses import dataclass

from companion.bot.context import Services
from companion.core.triage import LEVELS, Lexicon, Result, lexicon_triage, triage
from companion.store.flags import recent_messages, remember_message
from companion.store.models import Mother


@dataclass(frozen=True)
class Risk:
    """What was found, and where: a triage result or a questionnaire's safety item."""

    level: str  # concern | urgent | emergency
    reasons: tuple[str, ...]
    source: str  # "message", "note", "caption", "edited", "phq9", "epds", "followup", ...
    ask_clarifying: bool = False
    text: str | None = None  # what she typed, for clinicians her share lets see it; never kept
    message_id: int | None = None  # her message, which the abuse reply lets her remove


def worse(first: Risk | None, second: Risk | None) -> Risk | None:
    """The more serious of two readings (the first on a tie)."""
    if first is None or second is None:
        return first or second
    return second if LEVELS.index(second.level) > LEVELS.index(first.level) else first


def triage_lexicons(
    services: Services, mother: Mother | None, language_code: str | None
) -> list[Lexicon]:
    """The lexicons her words are read with: her language's (before she has chosen one, her
    Telegram app's), her Telegram app's language's, and always English, since many mothers mix
    languages and a missed alert costs more than a second read. Each once; English alone costs
    one read, as before."""
    telegram = language_code.split("-")[0].lower() if language_code else None
    wanted = [mother.locale if mother else telegram, telegram]
    found = [services.lexicons.get(locale) for locale in dict.fromkeys(wanted) if locale]
    english = services.lexicon
    return [*(lex for lex in found if lex and lex.locale != english.locale), english]


def read_all(
    lexicons: list[Lexicon], text: str, recent: list[str], with_model: bool = True
) -> Result:
    """The highest level any lexicon (with its learned model, unless `with_model` is False)
    finds; on a tie, one that asks the clarifying question, else the first lexicon's reading."""
    read = triage if with_model else lexicon_triage
    results = [read(text, lexicon, recent) for lexicon in lexicons]
    return max(results, key=lambda result: (LEVELS.index(result.level), result.ask_clarifying))


def read_words(
    services: Services,
    mother: Mother | None,
    text: str | None,
    source: str,
    *,
    remember: bool,
    language_code: str | None = None,
    an_answer: bool = False,
) -> Risk | None:
    """Triage what she typed, read together with her last few messages, in her languages (see
    triage_lexicons); with `remember`, keep it among those for next time. `an_answer`: the words
    were taken as a valid answer to a set-up or settings question (a country, a time, "no"), so
    the lexicon reads them and the learned model, made for sentences, does not."""
    if not text:
        return None
    now = services.clock.now()
    recent = recent_messages(mother, services.vault, now) if mother else []
    lexicons = triage_lexicons(services, mother, language_code)
    result = read_all(lexicons, text, recent, with_model=not an_answer)
    if mother is not None and remember:
        remember_message(mother, services.vault, text, now)
    return Risk(result.level, result.reasons, source, result.ask_clarifying, text)
