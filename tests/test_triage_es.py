"""Free-text triage in Spanish: the same safety net as tests/test_triage.py, in Spanish.

Spanish equivalents of the clinical-facts examples ("Free-text triage: what goes wrong"), tiers,
clause-scoped negation, idioms and jokes, "jaja" and emoji, third parties and media, past tense,
recent messages, Spanish grammar (pronouns on and before verbs, "¿" and "¡"), the lexicon's
Spanish settings, and the labelled set (tests/triage/es_labelled.tsv) at the English thresholds.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from companion.cli import main
from companion.core.triage import LEVELS, Level, Lexicon, Result, Syntax, normalise, triage
from companion.triage_lexicon import LexiconError, default_lexicon, lexicon_path, load_lexicon

LABELLED = Path(__file__).parent / "triage" / "es_labelled.tsv"
SHIPPED = lexicon_path("es")


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon("es")


def rank(level: str) -> int:
    return LEVELS.index(level)  # type: ignore[arg-type]


def assert_at_least(result: Result, expected: Level, text: str) -> None:
    assert rank(result.level) >= rank(expected), f"{text!r}: {result} is below {expected}"


# --- the examples of clinical-facts.md, in Spanish ----------------------------------------------

CLINICAL_FACTS = [
    # (text, level, reasons that must be present, ask_clarifying)
    ("Nunca lastimaría a mi bebé", "concern", {"negated_needs_clarifying"}, True),
    ("no soy suicida, solo estoy cansada", "concern", {"negated_needs_clarifying"}, True),
    (
        "Nunca la lastimaría, pero no dejo de imaginar que la dejo caer",
        "urgent",
        {"harm_to_baby"},
        False,
    ),
    ("me muero por un café", "none", {"idiom_ignored"}, False),
    ("este bebé me va a matar jaja", "none", {"idiom_ignored"}, False),
    ("mataría por dormir", "none", {"idiom_ignored"}, False),
    (
        "Después de mi primer bebé pensé en suicidarme",
        "concern",
        {"past_tense_ask_about_now"},
        True,
    ),
    ("mi amiga dijo que se quería matar", "concern", {"third_party_or_media"}, False),
    ("un documental sobre el suicidio", "concern", {"third_party_or_media"}, False),
    ("estarían mejor sin mí", "urgent", {"burden_or_goodbye"}, False),
    ("cuántas pastillas", "concern", {"method_or_means"}, True),
    ("cartas de despedida", "urgent", {"burden_or_goodbye"}, False),
    ("💊", "concern", {"method_or_means"}, True),
    ("kms", "urgent", {"suicidal_ideation"}, False),
    ("ibuprofeno", "concern", {"method_or_means"}, True),
    ("800mg", "concern", {"method_or_means"}, True),
]


@pytest.mark.parametrize(("text", "level", "reasons", "ask"), CLINICAL_FACTS)
def test_clinical_facts_examples(
    lexicon: Lexicon, text: str, level: str, reasons: set[str], ask: bool
) -> None:
    result = triage(text, lexicon)
    assert result.level == level, f"{text!r}: {result}"
    assert reasons <= set(result.reasons), result
    assert result.ask_clarifying is ask


# --- emergency ----------------------------------------------------------------------------------

EMERGENCY = [
    # intent
    ("Me voy a matar", {"plan_or_intent", "suicidal_ideation"}),
    ("voy a matarme", {"plan_or_intent", "suicidal_ideation"}),
    ("Ya decidí quitarme la vida", {"plan_or_intent"}),
    ("me voy a suicidar", {"plan_or_intent"}),
    ("me voy a cortar", {"plan_or_intent", "self_harm"}),
    # plan
    ("me quiero morir y tengo un plan", {"plan_or_intent", "suicidal_ideation"}),
    ("escribí cartas de despedida y ya lo decidí", {"plan_or_intent"}),
    # timeline
    ("me quiero morir esta noche", {"plan_or_intent", "suicidal_ideation"}),
    ("kms mañana cuando se vaya a trabajar", {"plan_or_intent"}),
    ("me voy a hacer daño hoy", {"self_harm", "plan_or_intent"}),
    # means with suicidal language
    ("me quiero morir 💊", {"method_or_means", "suicidal_ideation"}),
    ("¿cuántos ibuprofenos necesito para matarme?", {"method_or_means", "suicidal_ideation"}),
    ("cuál es la dosis letal del paracetamol", {"method_or_means"}),
    ("todos estarían mejor sin mí, ya tengo la cuerda", {"method_or_means"}),
    ("me quiero aventar del puente", {"method_or_means"}),
    ("llevo semanas juntando mis pastillas", {"method_or_means"}),
    ("tengo las pastillas en la mano", {"method_or_means"}),
    # an attempt under way
    ("Me tomé todas las pastillas", {"attempt_in_progress"}),
    ("me tomé 20 paracetamoles", {"attempt_in_progress"}),
    ("me tragué un frasco entero de pastillas para dormir", {"attempt_in_progress"}),
    ("me tomé una sobredosis", {"attempt_in_progress"}),
    ("me corté las venas y hay mucha sangre", {"attempt_in_progress"}),
    ("estoy parada en el puente", {"attempt_in_progress"}),
    # intent to harm the baby, the pronoun on the verb or before it
    ("voy a lastimar al bebé", {"harm_to_baby", "plan_or_intent"}),
    ("quiero sacudirlo hasta que deje de llorar", {"harm_to_baby"}),
    ("la voy a ahogar en la bañera", {"harm_to_baby"}),
    ("lo quiero asfixiar", {"harm_to_baby"}),
    ("le voy a hacer daño al bebé", {"harm_to_baby"}),
    ("quiero hacerle daño a mi hija", {"harm_to_baby"}),
    # possible psychosis
    ("escucho voces que me dicen que lastime al bebé", {"psychosis"}),
    ("el bebé es el diablo", {"psychosis"}),
    ("mi bebé está poseído", {"psychosis"}),
    ("el bebé no es mío, me lo cambiaron", {"psychosis"}),
    ("la nena no es mía", {"psychosis"}),
    ("alguien me está vigilando por el monitor", {"psychosis"}),
    ("no he dormido en días", {"psychosis"}),
    ("llevo 4 días sin dormir", {"psychosis"}),
]


@pytest.mark.parametrize(("text", "reasons"), EMERGENCY)
def test_emergency(lexicon: Lexicon, text: str, reasons: set[str]) -> None:
    result = triage(text, lexicon)
    assert result.level == "emergency", f"{text!r}: {result}"
    assert reasons <= set(result.reasons), result
    assert result.ask_clarifying is False  # resources first, never wait for a reply


# --- urgent -------------------------------------------------------------------------------------

URGENT = [
    # suicidal thoughts, any wording
    "Me quiero morir",
    "quiero morirme",
    "kiero morir",
    "ojalá estuviera muerta",
    "ya no quiero estar aquí",
    "no quiero despertar",
    "no dejo de pensar en matarme",
    "me siento suicida",
    "quiero que todo se acabe",
    "la vida no vale la pena",
    "pienso mucho en dejar de existir",
    "¿para qué seguir viviendo?",
    "quiero desaparecer para siempre",
    "ya no tengo ganas de vivir",
    "pienso en desvivirme",
    # self-harm
    "me he estado cortando otra vez",
    "quiero autolesionarme",
    "me quemé a propósito",
    "me rasguñé los brazos hasta sangrar",
    # burden and goodbye
    "todos estarían mejor sin mí",
    "soy una carga para todos",
    "nadie me extrañaría",
    "pronto ya no voy a ser un problema",
    "cuiden a mi bebé por mí",
    # thoughts of harming the baby, even unwanted ones
    "tengo pensamientos de lastimar a mi bebé",
    "no dejo de imaginarlo cayéndose por las escaleras",
    "¿y si se me cae?",
    "tengo pensamientos intrusivos",
    "me da miedo quedarme sola con el bebé",
    "tuve un pensamiento de tirarlo por las escaleras y me asustó",
    "me imagino que se ahoga en la bañera",
]


@pytest.mark.parametrize("text", URGENT)
def test_urgent_is_never_lower(lexicon: Lexicon, text: str) -> None:
    assert_at_least(triage(text, lexicon), "urgent", text)


INTRUSIVE_THOUGHTS = [
    "me da miedo sacudirlo cuando no deja de llorar",
    "tengo miedo de lastimar al bebé",
    "me imagino apuñalando a mi bebé y me da asco",
    "me aterra dejarla caer por las escaleras",
    "¿y si lo ahogo en la bañera?",
    "tengo miedo de que lo voy a lastimar",
    "me da pánico hacerle daño al bebé",
    "pienso en sacudirla y me da horror",
]


@pytest.mark.parametrize("text", INTRUSIVE_THOUGHTS)
def test_unwanted_thoughts_of_harm_are_urgent_not_intent(lexicon: Lexicon, text: str) -> None:
    """A fear of acting is an intrusive thought (urgent, non-shaming), not intent (emergency)."""
    result = triage(text, lexicon)
    assert result.level == "urgent", f"{text!r}: {result}"
    assert "harm_to_baby" in result.reasons


@pytest.mark.parametrize(
    "text", ["no me voy a matar, solo necesito dormir", "no voy a lastimarme, te lo prometo"]
)
def test_a_negated_intent_word_is_not_intent(lexicon: Lexicon, text: str) -> None:
    assert triage(text, lexicon).level != "emergency", text


def test_a_promise_she_cannot_make_is_not_a_denial(lexicon: Lexicon) -> None:
    # Stricter than English ("I can't promise I won't hurt myself" is urgent there): in Spanish
    # the negation stands before "me voy a", so the intent words are read too.
    assert_at_least(
        triage("no puedo prometer que no me voy a lastimar", lexicon), "urgent", "promise"
    )


# --- method and means ---------------------------------------------------------------------------

MEANS_ALONE = [
    "¿cuántos ibuprofenos me puedo tomar?",
    "¿puedo tomar 800 mg de ibuprofeno si estoy amamantando?",
    "¿puedo tomar paracetamol e ibuprofeno juntos?",
    "¿cuánto paracetamol es demasiado?",
    "💊",
    "🔪",
    "⚰️",
    "tengo las pastillas que me dio el doctor",
]


@pytest.mark.parametrize("text", MEANS_ALONE)
def test_method_or_means_alone_is_concern_and_asks(lexicon: Lexicon, text: str) -> None:
    result = triage(text, lexicon)
    assert result.level == "concern", f"{text!r}: {result}"
    assert "method_or_means" in result.reasons
    assert result.ask_clarifying is True


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("me tomé un paracetamol para el dolor de cabeza, ya me siento mejor", "none"),
        ("me tomé 2 paracetamoles", "concern"),
        ("me tomé 800 mg de ibuprofeno", "concern"),
        ("¡el bebé se tomó todo el biberón!", "none"),
        ("volví a tomar la pastilla anticonceptiva", "none"),
        ("el doctor me dijo que tome todas las pastillas del antibiótico", "none"),
    ],
)
def test_doses_and_feeds_are_not_overdoses(lexicon: Lexicon, text: str, level: str) -> None:
    assert triage(text, lexicon).level == level, text


@pytest.mark.parametrize(
    "text",
    [
        "me quiero morir. Me tomé un paracetamol para el dolor de cabeza",
        "me tomé ibuprofeno para el dolor, me quiero matar",
    ],
)
def test_a_plain_reason_for_a_painkiller_never_lowers_suicidal_words(
    lexicon: Lexicon, text: str
) -> None:
    assert triage(text, lexicon).level == "emergency", text


# --- negation is clause-scoped ------------------------------------------------------------------

NEGATED = [
    ("Nunca lastimaría a mi bebé", "harm_to_baby"),
    ("jamás le haría daño a mi hijo", "harm_to_baby"),
    ("Nunca haría nada para lastimar a mi bebé", "harm_to_baby"),
    ("no soy suicida, solo estoy cansada", "suicidal_ideation"),
    ("No me quiero morir, solo estoy abrumada", "suicidal_ideation"),
    ("no me voy a matar", "suicidal_ideation"),
    ("jamás me haría daño, solo estoy muy cansada", "self_harm"),
    ("no escucho voces ni nada, solo estoy ansiosa", "psychosis"),
    ("nunca pienso en hacerme daño, solo me siento sola", "self_harm"),
    ("ni loca me haría daño", "self_harm"),
]


@pytest.mark.parametrize(("text", "topic"), NEGATED)
def test_a_denial_becomes_a_clarifying_question_not_silence(
    lexicon: Lexicon, text: str, topic: str
) -> None:
    result = triage(text, lexicon)
    assert result.level == "concern", f"{text!r}: {result}"
    assert {"negated_needs_clarifying", topic} <= set(result.reasons)
    assert result.ask_clarifying is True


NOT_A_DENIAL = [
    # a disclosure in another clause
    "Nunca le haría daño pero no dejo de imaginar que se me cae",
    "Nunca lo lastimaría, pero los pensamientos no se van",
    "no soy suicida pero me quiero morir",
    "Nunca lastimaría a mi bebé. No dejo de imaginar que lo lastimo",
    # the negation does not reach the phrase
    "no puedo dejar de pensar en matarme",
    "no sé por qué me quiero morir",
    "no creo que quiera seguir viva",
    "ya no sé si quiero seguir viva",
    "no te voy a mentir, me quiero morir",
    "mi esposo no sabe que me quiero morir",
    # the negation is cancelled
    "no puedo prometer que no me voy a lastimar",
    "me da miedo no poder controlarme y lastimar al bebé",
    # a negation inside the phrase itself
    "ya no quiero vivir",
    "no quiero despertar mañana",
    "no tengo razones para vivir",
    # a line break ends the sentence, "¡" and "¿" open a clause
    "yo nunca\nme quiero morir",
    "no ¡me quiero morir!",
]


@pytest.mark.parametrize("text", NOT_A_DENIAL)
def test_negation_does_not_reach_past_its_clause(lexicon: Lexicon, text: str) -> None:
    assert_at_least(triage(text, lexicon), "urgent", text)


def test_an_inverted_mark_opens_a_clause(lexicon: Lexicon) -> None:
    assert triage("no me quiero morir", lexicon).level == "concern"
    assert triage("no ¡me quiero morir!", lexicon).level == "urgent"


# --- jokes and idioms ---------------------------------------------------------------------------

IDIOMS = [
    "me muero por un café",
    "este bebé me va a matar jaja",
    "mataría por dormir 8 horas",
    "me muero de sueño",
    "estoy muerta de cansancio",
    "me mata el cansancio",
    "me quiero morir de la vergüenza, me dormí en la consulta",
    "me voy a tirar en la cama apenas se duerma",
    "me corté el pelo y me siento otra",
    "se me quemó el pan otra vez jaja",
]


@pytest.mark.parametrize("text", IDIOMS)
def test_idioms_alone_are_none(lexicon: Lexicon, text: str) -> None:
    result = triage(text, lexicon)
    assert result == Result("none", ("idiom_ignored",), False), text


NEVER_CANCELLED = [
    ("me quiero morir jaja", "urgent"),
    ("quiero morirme 😂", "urgent"),
    ("kms jajaja", "urgent"),
    ("me quiero morir 💀", "urgent"),
    ("jaja me tomé todas las pastillas", "emergency"),
    ("lol me quiero matar", "urgent"),
    ("este bebé me va a matar, me quiero matar", "urgent"),
    ("me muero por un café y me quiero morir", "urgent"),
    ("me muero de sueño, quiero morirme", "urgent"),
]


@pytest.mark.parametrize(("text", "level"), NEVER_CANCELLED)
def test_jaja_emoji_or_an_idiom_never_cancel_a_serious_phrase(
    lexicon: Lexicon, text: str, level: Level
) -> None:
    assert_at_least(triage(text, lexicon), level, text)


# --- someone else, and the past -----------------------------------------------------------------

OTHERS = [
    "mi amiga me dijo que se quería matar",
    "vi un documental sobre el suicidio",
    "mi hermana intentó suicidarse el año pasado",
    "estoy leyendo un libro donde la protagonista es suicida",
    "salió en las noticias una mamá que lastimó a su bebé",
    "mi amiga me mandó un kys de broma",
    "una mamá de mi grupo dijo que tiene pensamientos de lastimar a su bebé",
    "mi esposo dice que a veces quiere desaparecer",
]


@pytest.mark.parametrize("text", OTHERS)
def test_third_party_and_media_are_concern_not_urgent(lexicon: Lexicon, text: str) -> None:
    result = triage(text, lexicon)
    assert result.level == "concern", f"{text!r}: {result}"
    assert "third_party_or_media" in result.reasons


HER_OWN = [
    "mi esposo no sabe que me quiero morir",
    "mi esposo me dijo que me matara",
    "mi hermana se suicidó y yo siento lo mismo",
    "vi un documental sobre el suicidio y ahora quiero morir",
    "mi amiga dice que no sabe que quiero morirme",
]


@pytest.mark.parametrize("text", HER_OWN)
def test_someone_else_in_the_sentence_does_not_hide_her_own_words(
    lexicon: Lexicon, text: str
) -> None:
    assert_at_least(triage(text, lexicon), "urgent", text)


PAST = [
    "Después de mi primer bebé pensé en suicidarme",
    "Hace años intenté quitarme la vida",
    "de adolescente me cortaba",
    "tuve pensamientos suicidas a los 16",
    "hace tres años intenté suicidarme, ahora estoy bien",
]


@pytest.mark.parametrize("text", PAST)
def test_past_tense_is_concern_and_asks_about_now(lexicon: Lexicon, text: str) -> None:
    result = triage(text, lexicon)
    assert result.level == "concern", f"{text!r}: {result}"
    assert "past_tense_ask_about_now" in result.reasons
    assert result.ask_clarifying is True


@pytest.mark.parametrize(
    "text",
    [
        "Después de mi primer bebé pensé en suicidarme y tengo miedo de que esté regresando",
        "de adolescente me cortaba y me volví a cortar",
        "con mi primer hijo quería morirme. Ahora quiero morirme otra vez",
    ],
)
def test_a_past_episode_said_to_be_back_is_current(lexicon: Lexicon, text: str) -> None:
    assert_at_least(triage(text, lexicon), "urgent", text)


# --- whom "lo", "la" and "le" mean --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("mi esposo ronca tanto que lo quiero matar jaja", "none"),
        ("mi suegra me saca de quicio, la quiero matar jaja", "none"),
        ("a veces quiero ahorcar a mi esposo jaja", "none"),
        ("le quiero pegar a mi esposo", "none"),
        ("no deja de llorar, lo podría lastimar", "urgent"),
        ("quiero lastimar a mi hijo", "emergency"),
        ("lo podría lastimar", "concern"),  # nobody named: ask
        ("quiero lastimarlo", "emergency"),  # intent, nobody named: the baby may be at risk
        ("le sacudí la sonaja y se rió", "none"),  # the rattle is what was shaken
        ("tuvimos que tirar todos sus biberones viejos", "none"),
        ("lo tiré a la basura", "none"),
        ("no dejo de imaginar que la dejo caer", "urgent"),
        ("mi bebé se ahogó con la leche pero ya está bien", "none"),
    ],
)
def test_harm_verbs_follow_whom_she_means(lexicon: Lexicon, text: str, level: Level) -> None:
    assert triage(text, lexicon).level == level, text


def test_an_unclear_target_asks(lexicon: Lexicon) -> None:
    result = triage("lo podría lastimar", lexicon)
    assert result.ask_clarifying is True
    assert "harm_to_baby" in result.reasons


# --- hopelessness and weak burden ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("ya no puedo más", "concern"),
        ("todos estarían mejor", "concern"),
        ("ya no puedo más, todos estarían mejor", "urgent"),
        ("me siento sin esperanza", "concern"),
        ("no estoy deprimida, solo cansada", "none"),
    ],
)
def test_hopelessness_and_weak_burden(lexicon: Lexicon, text: str, level: Level) -> None:
    assert triage(text, lexicon).level == level, text


# --- several short messages ---------------------------------------------------------------------

RAISED_BY_RECENT = [
    (["tengo las pastillas"], "esta noche", "emergency"),
    (["ya no puedo más"], "todos estarían mejor", "urgent"),
    (["me quiero morir"], "lo voy a hacer mañana cuando mi esposo se vaya a trabajar", "emergency"),
    (["me quiero morir"], "ya compré lo necesario, el sábado lo hago", "emergency"),
    (["tengo las pastillas"], "ya me las tomé. Ya está hecho", "emergency"),
    (["no deja de llorar otra vez"], "lo podría lastimar", "urgent"),
    (["después de mi primer bebé pensé en suicidarme"], "y creo que está volviendo", "urgent"),
]


@pytest.mark.parametrize(("recent", "text", "level"), RAISED_BY_RECENT)
def test_recent_messages_together_raise_the_level(
    lexicon: Lexicon, recent: list[str], text: str, level: Level
) -> None:
    alone = triage(text, lexicon)
    together = triage(text, lexicon, recent)
    assert rank(alone.level) < rank(level), "the case must need the earlier messages"
    assert together.level == level, together
    assert "combined_recent_messages" in together.reasons


@pytest.mark.parametrize(
    ("recent", "text"),
    [
        (["me quiero morir"], "gracias por escucharme"),
        (["me voy a matar esta noche"], "ok"),
        (["me tomé todas las pastillas"], "me muero por un café"),
    ],
)
def test_an_earlier_message_alone_never_raises_a_harmless_one(
    lexicon: Lexicon, recent: list[str], text: str
) -> None:
    assert triage(text, lexicon, recent) == triage(text, lexicon)


# --- normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Quiero MATARME", "quiero matar me"),
        ("no dejo de imaginármela ahogándose", "no dejo de imaginar me la ahogando se"),
        ("hacérselo", "hacer se lo"),
        ("pienso en la muerte", "pienso en la muerte"),  # "muer" is too short to be a verb form
        ("hola, ¿qué tal?", "hola que tal"),
        ("Ya no quiero vivir", "ya no quiero vivir"),
        ("toy cansada d todo q kiero morirrrr", "estoy cansada de todo que quiero morir"),
        ("xq sigo viva", "sigo viva"),  # "porque" opens a clause and is dropped
        ("mi bb", "mi bebe"),
        ("daño, niña, acción", "dano nina accion"),
        ("me    quiero   morir", "me quiero morir"),
        ("💊💊", "💊 💊"),
    ],
)
def test_normalisation(lexicon: Lexicon, text: str, normalised: str) -> None:
    assert normalise(text, lexicon) == normalised


@pytest.mark.parametrize(
    "text",
    [
        "ME QUIERO MORIR",
        "me kiero morir",
        "m kiero matarrrr",
        "qiero suicidarme",
        "ya no kiero vivir",
        "no quiero vivir mas",
        "yo ya no quiero vivir",
        "Me\u00a0quiero\u2003morir",
    ],
)
def test_odd_spelling_does_not_break_matching(lexicon: Lexicon, text: str) -> None:
    assert_at_least(triage(text, lexicon), "urgent", text)


# --- the lexicon and its Spanish settings -------------------------------------------------------


def test_the_shipped_lexicon_loads_with_its_spanish_settings(lexicon: Lexicon) -> None:
    assert lexicon.locale == "es"
    assert lexicon.overdose_count == 10
    syntax = lexicon.syntax
    assert syntax.clause_openers == "¿¡"
    assert {"me", "lo", "la", "le"} <= set(syntax.enclitics)
    assert "quiero" in syntax.proclitic_bridges
    assert syntax.clitic_doubling is True
    assert syntax.subject_optional is True


def test_english_uses_none_of_the_spanish_settings() -> None:
    assert default_lexicon("en").syntax == Syntax()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "es" / "triage" / "lexicon.toml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


BROKEN_SETTINGS = [
    ("unknown setting", "clitic_doubling = true\n", "clitic_dubling = true\n", "unknown settings"),
    (
        "pronouns without verb endings",
        'enclitic_hosts = ["ar", "er", "ir", "ndo"]\n',
        "",
        "enclitics and enclitic_hosts go together",
    ),
    (
        "a bridge that is not a word",
        '"quiero", "queria",',
        '"quiero dormir", "queria",',
        "proclitic_bridges must be a list of single words",
    ),
    ("a switch that is not a switch", "subject_optional = true", 'subject_optional = "si"', "true"),
    ("letters as clause openers", 'clause_openers = "¿¡"', 'clause_openers = "¿a"', "punctuation"),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "message"), BROKEN_SETTINGS, ids=[case[0] for case in BROKEN_SETTINGS]
)
def test_broken_settings_are_refused_with_a_clear_message(
    tmp_path: Path, name: str, old: str, new: str, message: str
) -> None:
    shipped = SHIPPED.read_text(encoding="utf-8")
    assert old in shipped
    path = _write(tmp_path, shipped.replace(old, new, 1))
    with pytest.raises(LexiconError, match=re.escape(message)):
        load_lexicon(path)


def test_an_unchanged_copy_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, SHIPPED.read_text(encoding="utf-8"))
    copy = load_lexicon(path)
    assert copy.locale == "es"
    assert copy.syntax == default_lexicon("es").syntax


# --- the command --------------------------------------------------------------------------------


def test_cli_reads_spanish_with_locale_es(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("me quiero morir\nme muero por un café\n"))
    assert main(["triage", "--locale", "es"]) == 0
    lines = capsys.readouterr().out.splitlines()
    results = [json.loads(line) for line in lines]
    assert [result["level"] for result in results] == ["urgent", "none"]
    assert "café" not in "".join(lines)  # never the text


# --- the labelled set ---------------------------------------------------------------------------


def _labelled_rows() -> list[tuple[str, str]]:
    rows = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            level, _, text = line.partition("\t")
            rows.append((level, text))
    return rows


def test_the_labelled_set_is_large_and_covers_every_level() -> None:
    rows = _labelled_rows()
    assert len(rows) >= 300
    for level in LEVELS:
        assert sum(1 for row in rows if row[0] == level) >= 30, level
    texts = [text for _, text in rows]
    assert len(texts) == len(set(texts)), "a line appears twice"
    assert any("\u2019" in text for text in texts)  # curly apostrophes
    assert any(re.search(r"\S {2,}\S", text) for text in texts)  # odd spacing
    assert any(ord(ch) > 0x2600 for text in texts for ch in text)  # emoji
    assert any(re.search(r"\b(q|xq|toy|kiero|bb)\b", text) for text in texts)  # SMS spelling
    assert any("me tome todas" in text for text in texts)  # accents left out
    assert any(re.search(r"\b(I'm|I want|this baby)\b", text) for text in texts)  # Spanglish


SERIOUS = [(level, text) for level, text in _labelled_rows() if level in ("urgent", "emergency")]


@pytest.mark.parametrize(("level", "text"), SERIOUS)
def test_every_labelled_urgent_and_emergency_line_is_caught(
    lexicon: Lexicon, level: Level, text: str
) -> None:
    assert_at_least(triage(text, lexicon), level, text)


def test_only_concern_ever_asks_first(lexicon: Lexicon) -> None:
    for row in _labelled_rows():
        result = triage(row[1], lexicon)
        if result.ask_clarifying:
            assert result.level == "concern", row


def test_eval_over_the_labelled_set_passes_the_english_thresholds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["triage", "--locale", "es", "--eval", str(LABELLED)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["lines"] == len(_labelled_rows())
    assert report["recall"]["urgent"] == 1.0
    assert report["recall"]["emergency"] == 1.0
    assert report["urgent_or_emergency_recall"] == 1.0
    assert report["false_alarm_rate"] <= 0.10
