"""Each questionnaire's scale as a chart draws it: the instrument file's severity bands (a brief
tool's two bands split at its cut-off as set), and the cut-off lines the settings put in force."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from companion.clinician_charts import Scale
from companion.content import Content
from companion.core.instruments import CUTOFF_TIERS, Instrument, effective_cutoffs

K = "clinician_summary.chart."


def scale_for(
    content: Content, locale: str, instrument: Instrument, thresholds: Mapping[str, int]
) -> Scale:
    cutoffs = effective_cutoffs(instrument, thresholds)
    top = instrument.max_total
    bands: tuple[tuple[int, int, str], ...]
    if instrument.kind == "brief" and "possible" in cutoffs and len(instrument.bands) == 2:
        below, above = instrument.bands  # "below" and "at or above" the cut-off, as set
        cut = cutoffs["possible"]
        bands = ((0, cut - 1, below.label), (cut, top, above.label))
    else:
        bands = tuple((band.low, band.high, band.label) for band in instrument.bands)
    lines = tuple(
        (cutoffs[name], content.text(locale, K + f"cutoff.{name}", value=cutoffs[name]))
        for name in CUTOFF_TIERS
        if name in cutoffs and 0 < cutoffs[name] <= top
    )
    note = content.text(locale, K + "phq9_note") if instrument.id == "phq9" else ""
    return Scale(instrument.name, top, bands, lines, note)


def scales_for(
    content: Content, locale: str, ids: Iterable[str], thresholds: Mapping[str, int]
) -> dict[str, Scale]:
    """Scales of the questionnaires whose files load (a removed file: none, drawn bare)."""
    found = {}
    for instrument_id in set(ids):
        try:
            instrument = content.instrument(locale, instrument_id)
        except KeyError:
            continue
        found[instrument_id] = scale_for(content, locale, instrument, thresholds)
    return found
