"""Pages of text for the PDF report: headings and wrapped paragraphs laid down an A4 page, a new
page when one fills. Drawn with matplotlib (DejaVu Sans ships with it, so Spanish accents
render); characters the font lacks (emoji) are left out rather than drawn as boxes."""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib is imported when a report is drawn (see companion.charts)
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

A4 = (8.27, 11.69)  # inches
MARGIN = 0.07  # of the page, each side
LINE = 0.0175  # of the page height, one line of body text
BODY, HEADING, TITLE = 10, 13, 18
WRAP = 95  # characters of body text to a line
# Emoji, pictographs, dingbats, variation selectors and joiners: DejaVu Sans has no glyphs.
_NO_GLYPH = re.compile("[\U0001f000-\U0001ffff\u2600-\u27bf\ufe0e\ufe0f\u200d]")


def printable(text: str) -> str:
    return _NO_GLYPH.sub("", text)


class TextPages:
    """Writes top to bottom; `finish` saves the last page. Every page carries its number."""

    def __init__(self, pdf: PdfPages, page_words: str) -> None:
        self.pdf, self.page_words = pdf, page_words
        self.number = 0
        self.figure: Figure | None = None
        self.y = 0.0

    def _new_page(self) -> Figure:
        self.close_page()
        self.number += 1
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=A4)
        self.figure.text(
            0.5, MARGIN / 2, self.page_words.format(number=self.number),
            ha="center", fontsize=BODY - 2, color="#777777",
        )  # fmt: skip
        self.y = 1 - MARGIN
        return self.figure

    def close_page(self) -> None:
        if self.figure is not None:
            self.pdf.savefig(self.figure)  # type: ignore[no-untyped-call]
            self.figure = None

    def _room(self, lines: int) -> Figure:
        if self.figure is None or self.y - lines * LINE < MARGIN:
            return self._new_page()
        return self.figure

    def title(self, text: str) -> None:
        figure = self._room(3)
        figure.text(MARGIN, self.y, printable(text), fontsize=TITLE, fontweight="bold", va="top")
        self.y -= 2.2 * LINE

    def heading(self, text: str) -> None:
        figure = self._room(4)  # never alone at the foot of a page
        self.y -= 0.6 * LINE
        figure.text(MARGIN, self.y, printable(text), fontsize=HEADING, fontweight="bold", va="top")
        self.y -= 1.6 * LINE

    def paragraph(self, text: str, *, colour: str = "black", indent: int = 0) -> None:
        wrapped = textwrap.wrap(printable(text), WRAP - indent) or [""]
        for number, line in enumerate(wrapped):
            figure = self._room(1)
            x = MARGIN + (0.01 * indent if number else 0)
            figure.text(x, self.y, line, fontsize=BODY, va="top", color=colour)
            self.y -= LINE
        self.y -= 0.3 * LINE

    def line(self, text: str, *, family: str = "DejaVu Sans") -> None:
        figure = self._room(1)
        figure.text(MARGIN, self.y, printable(text), fontsize=BODY, va="top", family=family)
        self.y -= LINE

    def figure_page(self, figure: Figure) -> None:
        """A chart on a page of its own, numbered like the others."""
        self.close_page()
        self.number += 1
        figure.text(  # bottom right: the title runs across the top, its words across the foot
            0.99, 0.005, self.page_words.format(number=self.number),
            ha="right", va="bottom", fontsize=BODY - 2, color="#777777",
        )  # fmt: skip
        self.pdf.savefig(figure)  # type: ignore[no-untyped-call]
