"""Start-up does not pay for drawing: matplotlib and Pillow load only when a chart or a report
is drawn (about half a second of every start otherwise; `python -m bench` times start-up with
its imports)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_building_the_bot_imports_no_drawing_library() -> None:
    code = (
        "import sys, companion.app, companion.cli\n"
        "print(sorted(m for m in ('matplotlib', 'PIL.Image') if m in sys.modules))"
    )
    found = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
