"""What she typed, folded so that case, accents and spacing do not matter ("Bogotá" = "bogota")."""

from __future__ import annotations

import unicodedata

_ANSWER_PUNCTUATION = str.maketrans("", "", ",.!?¡¿;:")


def fold(text: str) -> str:
    """Lower case, no accents (ñ reads as n), straight apostrophes, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("’", "'"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split())


def fold_answer(text: str) -> str:
    """A short answer or a button label, folded and without punctuation ("¡Sí!" = "si")."""
    return " ".join(fold(text).translate(_ANSWER_PUNCTUATION).split())
