"""What the grammar adds to a text read for triage (companion.core.triage_text).

The grammar finds what a list of phrases cannot: a harm verb and the baby ("hurt my little boy",
"shake him", with "him" / "her" resolved from who was named before), an image of the baby harmed,
a strange belief about the baby, a lethality question, medicine gathered or held, an overdose taken.

Pure: no I/O and no logging.
"""

from __future__ import annotations

from collections.abc import Sequence

from companion.core.triage_match import _Compiled, _Hit
from companion.core.triage_text import (
    _adult_at,
    _framed_as_thought,
    _is_object,
    _Message,
    _resolve,
    _Text,
)

DETERMINER_REACH = 3  # words allowed between a harm verb and the baby ("hurt my little boy")
IMAGERY_REACH = 6  # words allowed between "picturing" and the baby
STATE_REACH = 2  # words allowed between the baby and what happens ("him falling")
QUANTITY_REACH = 4  # words allowed between "took" and "all" / "20"
MEANS_REACH = 3  # words allowed between "all" / "20" and the medicine
PROCLITIC_REACH = 3  # bridge words allowed between a pronoun and the harm verb after it


# --- the grammar of harm to the baby and of an overdose ---------------------------------------


def _harm_target(text: _Text, start: int, clause: int) -> tuple[int, str] | None:
    """Who follows a harm verb: ("baby" | "male" | "female" | "adult", where it ends), or
    nobody."""
    index = start
    for _ in range(DETERMINER_REACH + 1):
        if index >= len(text.words) or text.clause(index) != clause:
            return None
        ref = text.starting_at("baby_refs", index)
        if ref is not None:
            return ref.end, "baby"
        word = text.words[index]
        if word in text.word_set("pronouns_male"):
            return _doubled(text, index + 1, clause) or (index + 1, "male")
        if word in text.word_set("pronouns_female") and _is_object(text, index):
            return _doubled(text, index + 1, clause) or (index + 1, "female")
        if word not in text.word_set("determiners"):
            return None
        index += 1
    return None


def _proclitic_target(text: _Text, verb: _Hit, clause: int) -> tuple[int, str] | None:
    """A pronoun before the harm verb, with only bridge words between ("lo voy a lastimar"):
    ("baby" | "male" | "female" | "adult", where the verb ends), or nobody."""
    bridges = text.compiled.syntax.proclitic_bridges
    if not bridges or not _is_object(text, verb.end - 1):
        return None  # "le sacudí la sonaja": the rattle is what is shaken
    index = verb.start - 1
    for _ in range(PROCLITIC_REACH + 1):
        if index < 0 or text.clause(index) != clause:
            return None
        word = text.words[index]
        for gender in ("male", "female"):
            if word in text.word_set(f"pronouns_{gender}"):
                return _doubled(text, verb.end, clause) or (verb.end, gender)
        if word not in bridges:
            return None
        index -= 1
    return None


def _doubled(text: _Text, start: int, clause: int) -> tuple[int, str] | None:
    """With clitic doubling, whom a pronoun means when she names them after it ("hacerle daño
    al bebé", "pegarle a mi esposo"): ("baby" | "adult", where the name ends), or None."""
    if not text.compiled.syntax.clitic_doubling:
        return None
    index = start
    for _ in range(DETERMINER_REACH + 1):
        if index >= len(text.words) or text.clause(index) != clause:
            return None
        for category, who in (
            ("baby_refs", "baby"),
            ("male_refs", "adult"),
            ("female_refs", "adult"),
        ):
            ref = text.starting_at(category, index)
            if ref is not None:
                return ref.end, who
        if text.words[index] not in text.word_set("determiners"):
            return None
        index += 1
    return None


def _dropped_off(text: _Text, index: int) -> bool:
    """Dropping off somewhere ("drop him off at nursery"), not "dropping him off the stairs"."""
    if index >= len(text.words) or text.words[index] not in text.word_set("drop_off"):
        return False
    after = index + 1
    return (
        after >= len(text.words)
        or text.clause(after) != text.clause(index)
        or text.words[after] not in text.word_set("determiners")
    )


def _harm_grammar(text: _Text) -> list[_Hit]:
    """A harm verb and the baby: "hurt my baby", "shake him", "picturing dropping her"."""
    found: list[_Hit] = []
    for verb in text.any_of(("harm_verbs", "harm_verbs_baby")):
        clause = text.clause(verb.start)
        target = _harm_target(text, verb.end, clause) or _proclitic_target(text, verb, clause)
        if target is None or target[1] == "adult":
            continue
        end, who = target
        if _dropped_off(text, end):
            text.idiom_found = True  # "drop her off at nursery" is an idiom
            continue
        if who != "baby":
            if verb.category == "harm_verbs_baby" or _framed_as_thought(text, verb.start):
                who = "baby"
            else:
                who = _resolve(text, who, verb.start)
        if who == "baby":
            found.append(_Hit("harm_to_baby", verb.start, end))
        elif who == "unknown":
            found.append(_Hit("harm_unclear", verb.start, end))
    return found


def _imagery_grammar(text: _Text) -> list[_Hit]:
    """An image of the baby harmed: "I keep picturing him falling down the stairs"."""
    found: list[_Hit] = []
    for cue in text.by.get("imagery_cues", ()):
        hit = _image_of_harm(text, cue)
        if hit is not None:
            found.append(hit)
    return found


def _image_of_harm(text: _Text, cue: _Hit) -> _Hit | None:
    """The baby (or, where a sentence can leave out whom it is about, nobody named) and what
    happens to them, shortly after an imagery cue."""
    clause = text.clause(cue.start)
    unnamed = text.compiled.syntax.subject_optional
    for index in range(cue.end, min(cue.end + IMAGERY_REACH, len(text.words))):
        if text.clause(index) != clause:
            return None
        subject_end = _imagined_subject(text, index)
        if subject_end is None:
            if unnamed and _adult_at(text, index):
                return None  # "me imagino a mi esposo..."
            state = text.starting_at("harm_states", index) if unnamed else None
            if state is not None:
                return _Hit("harm_to_baby", cue.start, state.end)
            continue
        state = next(
            (
                hit
                for hit in text.by.get("harm_states", ())
                if subject_end <= hit.start <= subject_end + STATE_REACH
                and text.clause(hit.start) == clause
            ),
            None,
        )
        if state is not None:
            return _Hit("harm_to_baby", cue.start, state.end)
    return None


def _imagined_subject(text: _Text, index: int) -> int | None:
    """Where the baby, named or as "him" / "her", ends if they start here."""
    ref = text.starting_at("baby_refs", index)
    if ref is not None:
        return ref.end
    word = text.words[index]
    if word in text.word_set("pronouns_male") | text.word_set("pronouns_female"):
        gender = "male" if word in text.word_set("pronouns_male") else "female"
        return None if _resolve(text, gender, index) == "adult" else index + 1
    return None


def _belief_subject(text: _Text, link: _Hit) -> str | None:
    """Who a belief is about: "baby", "unknown", or None (an adult, or nobody)."""
    before = link.start - 1
    if before < 0 or text.sentence(before) != text.sentence(link.start):
        return None
    if any(ref.end == link.start for ref in text.by.get("baby_refs", ())):
        return "baby"
    word = text.words[before]
    for gender in ("male", "female"):
        if word in text.word_set(f"pronouns_subject_{gender}"):
            who = _resolve(text, gender, before)
            return None if who == "adult" else who
    return None


def _belief_grammar(text: _Text) -> list[_Hit]:
    """A strange belief about the baby: "my baby is the antichrist", "he's been swapped"."""
    found: list[_Hit] = []
    for link in text.by.get("belief_links", ()):
        belief = text.starting_at("baby_beliefs", link.end)
        if belief is None or text.sentence(belief.start) != text.sentence(link.start):
            continue
        who = _belief_subject(text, link)
        if who is not None:
            category = "psychosis" if who == "baby" else "belief_unclear"
            found.append(_Hit(category, link.start - 1, belief.end))
    return found


def _lethality_grammar(text: _Text) -> list[_Hit]:
    """A lethality question about a medicine: "how many sertraline would kill me"."""
    means = text.any_of(("method_means", "means_emoji"))
    return [
        _Hit("suicidal", cue.start, cue.end)
        for cue in text.by.get("lethality_cues", ())
        if any(text.sentence(hit.start) == text.sentence(cue.start) for hit in means)
    ]


def _possession_grammar(text: _Text) -> list[_Hit]:
    """Medicine or a weapon gathered or held: "I have 30 of my antidepressants", "I've
    stockpiled my painkillers", "the pills are in my hand"."""
    found: list[_Hit] = []
    means = text.any_of(("method_means", "means_emoji"))
    numbers = [index for index, word in enumerate(text.words) if word.isdigit()] if means else []
    for index in numbers:
        if not _count_at(text, index):
            continue
        medicine = next(
            (
                hit
                for hit in means
                if index < hit.start <= index + 1 + MEANS_REACH
                and text.sentence(hit.start) == text.sentence(index)
            ),
            None,
        )
        held = any(
            hit.start < index and text.clause(hit.start) == text.clause(index)
            for hit in text.by.get("possession_words", ())
        )
        if medicine is not None and held:
            found.append(_Hit("means_access", index, medicine.end))
    for cue in text.by.get("gathering_cues", ()):
        for hit in means:
            if text.clause(hit.start) == text.clause(cue.start):
                found.append(_Hit("means_access", min(cue.start, hit.start), max(cue.end, hit.end)))
                break
    return found


def _count_at(text: _Text, index: int) -> bool:
    """A number of tablets large enough to be an overdose, not a dose ("800 mg")."""
    word = text.words[index]
    if not word.isdigit() or int(word) < text.compiled.overdose_count:
        return False
    after = index + 1
    return after >= len(text.words) or text.words[after] not in text.word_set("dose_units")


def _attempt_grammar(text: _Text) -> list[_Hit]:
    """An overdose taken: "took all the pills", "took 20 tylenol", "swallowed them all"."""
    found: list[_Hit] = []
    means = text.any_of(("method_means", "means_emoji"))
    for verb in text.by.get("attempt_verbs", ()):
        if text.starting_at("attempt_anaphora", verb.end) is not None and means:
            found.append(_Hit("attempt", verb.start, verb.end + 1))
            continue
        clause = text.clause(verb.start)
        for index in range(verb.end, min(verb.end + QUANTITY_REACH, len(text.words))):
            if text.clause(index) != clause:
                break
            quantity = text.starting_at("quantity_words", index)
            quantity_end = quantity.end if quantity else index + 1
            if quantity is None and not _count_at(text, index):
                continue
            medicine = next(
                (
                    hit
                    for hit in means
                    if quantity_end <= hit.start <= quantity_end + MEANS_REACH
                    and text.sentence(hit.start) == text.sentence(index)
                ),
                None,
            )
            if medicine is not None:
                found.append(_Hit("attempt", verb.start, medicine.end))
                break
    return found


def _read(messages: Sequence[_Message], compiled: _Compiled) -> _Text:
    """Messages read together, with what the grammar adds; every rule runs on the phrases
    alone."""
    read = _Text(messages, compiled)
    read.add(
        [
            *_harm_grammar(read),
            *_imagery_grammar(read),
            *_attempt_grammar(read),
            *_belief_grammar(read),
            *_lethality_grammar(read),
            *_possession_grammar(read),
        ]
    )
    return read
