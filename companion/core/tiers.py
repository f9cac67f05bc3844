"""The escalation tiers of shared/clinical-facts.md, highest wins; pure data, no I/O.

routine < possible < probable < urgent < emergency. Questionnaire totals give routine, possible or
probable; a safety item (PHQ-9 item 9, EPDS item 10) answered above zero gives urgent whatever the
total; free-text triage gives urgent or emergency.
"""

from __future__ import annotations

from enum import IntEnum


class Tier(IntEnum):
    ROUTINE = 0
    POSSIBLE = 1
    PROBABLE = 2
    URGENT = 3
    EMERGENCY = 4

    @property
    def label(self) -> str:
        """The stored and displayed key: "routine", "possible", ..."""
        return self.name.lower()

    @classmethod
    def parse(cls, label: str) -> Tier:
        return cls[label.upper()]


def highest(*tiers: Tier) -> Tier:
    """The tier that wins when several apply (routine when none)."""
    return max(tiers, default=Tier.ROUTINE)


def tier_for_triage(level: str) -> Tier | None:
    """The tier a free-text triage level raises, or None (concern and none raise no tier)."""
    return {"urgent": Tier.URGENT, "emergency": Tier.EMERGENCY}.get(level)
