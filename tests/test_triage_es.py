"""Free-text triage in Spanish: the Spanish cases of the safety net, and what only Spanish has.

The lists below are the Spanish equivalents of the English lists of tests/test_triage.py (the
clinical-facts examples of "Free-text triage: what goes wrong", tiers, clause-scoped negation,
idioms and jokes, "jaja" and emoji, third parties and media, past tense, recent messages,
normalisation, broken lexicons, the command); the tests there read both languages' lists,
parametrised over locale, and hold this labelled set (tests/triage/es_labelled.tsv) to the
English thresholds. The tests here are Spanish only: pronouns on and before verbs, "¿" and "¡",
the lexicon's Spanish settings, and what the Spanish labelled set must contain.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from companion.core.triage import Lexicon, Syntax, triage
from companion.triage_lexicon import default_lexicon
from tests.triage_helpers import assert_at_least, labelled_rows


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return default_lexicon("es")


# --- the examples of clinical-facts.md, in Spanish ----------------------------------------------

CLINICAL_FACTS = [
    # (text, level, reasons that must be present, ask_clarifying)
    ("Nunca lastimaría a mi bebé", "none", {"negated_needs_clarifying"}, True),
    ("no soy suicida, solo estoy cansada", "none", {"negated_needs_clarifying"}, True),
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
    ("mi amiga dijo que se quería matar", "none", set(), False),
    ("un documental sobre el suicidio", "none", set(), False),
    ("estarían mejor sin mí", "urgent", {"burden_or_goodbye"}, False),
    ("cuántas pastillas", "concern", {"method_or_means"}, True),
    ("cartas de despedida", "urgent", {"burden_or_goodbye"}, False),
    ("💊", "concern", {"method_or_means"}, True),
    ("kms", "urgent", {"suicidal_ideation"}, False),
    ("ibuprofeno", "concern", {"method_or_means"}, True),
    ("800mg", "concern", {"method_or_means"}, True),
]


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
    # buscar una cantidad letal, aun junto a un motivo corriente (hechos clinicos: metodo)
    ("cuantas pastillas de sertralina son mortales", {"method_or_means"}),
    ("cual es la dosis mortal de paracetamol, estoy dando pecho", {"method_or_means"}),
    ("cuanto paracetamol para no despertar", {"method_or_means"}),
    ("me vienen ganas de tirarme del carro en marcha", {"method_or_means"}),
]


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

NEGATED_INTENT = ["no me voy a matar, solo necesito dormir", "no voy a lastimarme, te lo prometo"]


def test_a_promise_she_cannot_make_is_not_a_denial(lexicon: Lexicon) -> None:
    # Stricter than English ("I can't promise I won't hurt myself" is urgent there): in Spanish
    # the negation stands before "me voy a", so the intent words are read too.
    assert_at_least(
        triage("no puedo prometer que no me voy a lastimar", lexicon), "urgent", "promise"
    )


# --- method and means ---------------------------------------------------------------------------

MEANS_ALONE = [
    "¿cuántos ibuprofenos me puedo tomar?",
    "¿puedo tomar paracetamol e ibuprofeno juntos?",
    "¿cuánto paracetamol es demasiado?",
    "💊",
    "🔪",
    "⚰️",
    "tengo las pastillas que me dio el doctor",
]

DOSES = [
    ("me tomé un paracetamol para el dolor de cabeza, ya me siento mejor", "none"),
    ("me tomé 2 paracetamoles", "concern"),
    ("me tomé 800 mg de ibuprofeno", "concern"),
    ("¡el bebé se tomó todo el biberón!", "none"),
    ("volví a tomar la pastilla anticonceptiva", "none"),
    ("el doctor me dijo que tome todas las pastillas del antibiótico", "none"),
]

PLAIN_REASON = [
    "me quiero morir. Me tomé un paracetamol para el dolor de cabeza",
    "me tomé ibuprofeno para el dolor, me quiero matar",
]


SAFETY_QUESTIONS = [
    "¿es seguro tomar ibuprofeno si doy pecho?",
    "¿puedo tomar 800 mg de ibuprofeno si estoy amamantando?",
    "¿puedo tomar paracetamol si estoy dando pecho?",
    "¿la sertralina pasa a la leche materna?",
    "el escitalopram es compatible con dar teta? mi doctora dice q si pero quiero estar segura",
    "mi doctora me dio sertralina, cada cuantas horas la tomo?",
    "tome ibuprofeno hace 3 horas por dolor de muelas, ya puedo tomar un paracetamol?",
]
STILL_ASKED = [
    "¿es seguro tomar 20 paracetamoles si doy pecho?",
    "¿cuántas sertralinas me tendría que tomar? estoy dando pecho",
    "me voy a tomar todas las pastillas, ¿es seguro si doy pecho?",
    "esta noche me tomo la caja entera de paracetamol para el dolor de cabeza",
    "estoy tomando pastillas para dormir q no me receto nadie, me las paso una amiga",
]


# --- negation is clause-scoped ------------------------------------------------------------------

NEGATED = [
    ("Nunca lastimaría a mi bebé", "harm_to_baby", "none"),
    ("jamás le haría daño a mi hijo", "harm_to_baby", "none"),
    ("Nunca haría nada para lastimar a mi bebé", "harm_to_baby", "none"),
    ("no soy suicida, solo estoy cansada", "suicidal_ideation", "none"),
    ("No me quiero morir, solo estoy abrumada", "suicidal_ideation", "none"),
    ("no me voy a matar", "suicidal_ideation", "none"),
    ("jamás me haría daño, solo estoy muy cansada", "self_harm", "none"),
    ("no escucho voces ni nada, solo estoy ansiosa", "psychosis", "none"),
    ("nunca pienso en hacerme daño, solo me siento sola", "self_harm", "concern"),
    ("ni loca me haría daño", "self_harm", "none"),
]

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


def test_an_inverted_mark_opens_a_clause(lexicon: Lexicon) -> None:
    assert triage("no me quiero morir", lexicon).level == "none"  # a denial, asked about
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

HER_OWN = [
    "mi esposo no sabe que me quiero morir",
    "mi esposo me dijo que me matara",
    "mi hermana se suicidó y yo siento lo mismo",
    "vi un documental sobre el suicidio y ahora quiero morir",
    "mi amiga dice que no sabe que quiero morirme",
]

PAST = [
    "Después de mi primer bebé pensé en suicidarme",
    "Hace años intenté quitarme la vida",
    "de adolescente me cortaba",
    "tuve pensamientos suicidas a los 16",
    "hace tres años intenté suicidarme, ahora estoy bien",
]

PAST_SAID_TO_BE_BACK = [
    "Después de mi primer bebé pensé en suicidarme y tengo miedo de que esté regresando",
    "de adolescente me cortaba y me volví a cortar",
    "con mi primer hijo quería morirme. Ahora quiero morirme otra vez",
]


# --- whom "lo", "la" and "le" mean --------------------------------------------------------------

TARGETS = [
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
]

UNCLEAR_TARGET = "lo podría lastimar"


# --- hopelessness and weak burden ---------------------------------------------------------------

HOPELESSNESS = [
    ("ya no puedo más", "concern"),
    ("todos estarían mejor", "concern"),
    ("ya no puedo más, todos estarían mejor", "urgent"),
    ("me siento sin esperanza", "concern"),
    ("no estoy deprimida, solo cansada", "none"),
]


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

HARMLESS_AFTER = [
    (["me quiero morir"], "gracias por escucharme"),
    (["me voy a matar esta noche"], "ok"),
    (["me tomé todas las pastillas"], "me muero por un café"),
]


# --- normalisation ------------------------------------------------------------------------------

NORMALISED = [
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
]

ODD_SPELLING = [
    "ME QUIERO MORIR",
    "me kiero morir",
    "m kiero matarrrr",
    "qiero suicidarme",
    "ya no kiero vivir",
    "no quiero vivir mas",
    "yo ya no quiero vivir",
    "Me\u00a0quiero\u2003morir",
]


# --- the result itself and privacy --------------------------------------------------------------

REASON_SAMPLES = [
    "me quiero morir esta noche",
    "Nunca lastimaría a mi bebé",
    "me muero por un café",
    "hola",
]

PRIVATE = ("me quiero morir esta noche, me llamo Alexandra Quill", ["tengo las pastillas"])


# --- the lexicon and its Spanish settings -------------------------------------------------------


def test_the_shipped_lexicon_has_its_spanish_settings(lexicon: Lexicon) -> None:
    syntax = lexicon.syntax
    assert syntax.clause_openers == "¿¡"
    assert {"me", "lo", "la", "le"} <= set(syntax.enclitics)
    assert "quiero" in syntax.proclitic_bridges
    assert syntax.clitic_doubling is True
    assert syntax.subject_optional is True


def test_english_uses_none_of_the_spanish_settings() -> None:
    assert default_lexicon("en").syntax == Syntax()


def _replace(old: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(old, new, 1)


BROKEN = [
    (
        "unknown setting",
        _replace("clitic_doubling = true\n", "clitic_dubling = true\n"),
        "unknown settings",
    ),
    (
        "pronouns without verb endings",
        _replace('enclitic_hosts = ["ar", "er", "ir", "ndo"]\n', ""),
        "enclitics and enclitic_hosts go together",
    ),
    (
        "a bridge that is not a word",
        _replace('"quiero", "queria",', '"quiero dormir", "queria",'),
        "proclitic_bridges must be a list of single words",
    ),
    (
        "a switch that is not a switch",
        _replace("subject_optional = true", 'subject_optional = "si"'),
        "true",
    ),
    (
        "letters as clause openers",
        _replace('clause_openers = "¿¡"', 'clause_openers = "¿a"'),
        "punctuation",
    ),
]


# --- the command --------------------------------------------------------------------------------

CLI = (
    ["triage", "--locale", "es"],
    "me quiero morir\nme muero por un café\n",
    [
        {"level": "urgent", "reasons": ["suicidal_ideation"], "ask_clarifying": False},
        {"level": "none", "reasons": ["idiom_ignored"], "ask_clarifying": False},
    ],
    ["café"],
)


# --- the labelled set ---------------------------------------------------------------------------


def test_the_labelled_set_has_sms_spelling_missing_accents_and_spanglish() -> None:
    texts = [text for _, text in labelled_rows("es")]
    assert any(re.search(r"\b(q|xq|toy|kiero|bb)\b", text) for text in texts)  # SMS spelling
    assert any("me tome todas" in text for text in texts)  # accents left out
    assert any(re.search(r"\b(I'm|I want|this baby)\b", text) for text in texts)  # Spanglish
