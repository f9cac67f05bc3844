"""`companion demo --pictures DIR` with a scripted month of check-ins leaves her /history chart
her /report PDF (in English, then in Spanish) and her /mydata files (JSON and CSV) in DIR; the
PDF's text says it is not a diagnosis and gives each questionnaire's band; the CSV holds a row
per answer."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from tests.test_demo import ONBOARD_DEMO, play

PHQ9 = ["2", "3", "2", "1", "2", "3", "2", "1", "1"]  # buttons 1-4 score 0-3: total 8, mild
GAD7 = ["3", "3", "3", "2", "2", "3", "3"]  # total 12, moderate


def a_month() -> list[str]:
    """30 days: mood, sleep and anxiety each day; PHQ-9 and GAD-7 after the first check-in."""
    lines: list[str] = []
    for day in range(30):
        mood, sleep, anxiety = 1 + day * 7 % 5, 1 + day * 3 % 5, 1 + day * 5 % 4
        lines += [":clock +1d", str(mood), str(sleep), str(anxiety)]
        if day == 0:  # Skip closeness, support and the note: the questionnaires are offered
            lines += ["6", "4", "1", "1", *PHQ9, *GAD7]
        else:
            lines.append("7")  # Done for today
    return lines


def text_of(pdf: Path) -> str:
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


async def test_a_scripted_month_leaves_her_chart_and_her_reports_in_the_pictures_folder(
    tmp_path: Path,
) -> None:
    pictures = tmp_path / "pictures"
    script = [
        *ONBOARD_DEMO,
        *a_month(),
        "/history",
        "/report",
        "3",  # Everything
        "/settings",
        "1",  # Language
        "2",  # Español
        "/report",
        "2",  # Últimos 3 meses
        "/mydata",
    ]
    transcript = await play(tmp_path, script, pictures=str(pictures))
    chart = pictures / "001-demo-picture.png"
    english = pictures / "002-demo-companion-report-2026-12-20.pdf"
    spanish = pictures / "003-demo-companion-informe-2026-12-20.pdf"
    data = pictures / "004-demo-companion-my-data.json"
    answers = pictures / "005-demo-companion-my-answers.csv"
    assert sorted(path.name for path in pictures.iterdir()) == [
        chart.name, english.name, spanish.name, data.name, answers.name,
    ]  # fmt: skip
    assert "Last 30 days: you checked in on 30 of 30 days" in transcript
    with Image.open(chart) as image:
        assert (image.format, image.size) == ("PNG", (900, 600))
    text = text_of(english)
    assert "This report is not a diagnosis." in text
    assert "21 November 2026: PHQ-9 8 of 27, mild" in text
    assert "21 November 2026: GAD-7 12 of 21, moderate" in text
    assert "From 21 November 2026 to 20 December 2026 (30 days)" in text
    rows = list(csv.reader(io.StringIO(answers.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Día", "Respondida", "Tipo", "Pregunta", "Valor", "Respuesta"]
    days = {row[0] for row in rows[1:] if row[2] == "Registro diario"}
    assert len(days) == 30  # her month of check-ins, one day a row group
    assert any(row[2] == "PHQ-9" and row[4] == "8" for row in rows[1:])  # the total, 8 of 27
    texto = text_of(spanish)
    assert "Este informe no es un diagnóstico." in texto
    assert "21 de noviembre de 2026: PHQ-9 8 de 27, leve" in texto
    assert "21 de noviembre de 2026: GAD-7 12 de 21, moderado" in texto


async def test_without_a_pictures_folder_a_pdf_is_named_not_printed(tmp_path: Path) -> None:
    script = [*ONBOARD_DEMO, ":clock +1d", "4", "3", "2", "7", "/report", "1"]
    transcript = await play(tmp_path, script)
    assert "companion> [document companion-report-2026-11-21.pdf, " in transcript
    assert "%PDF" not in transcript
