"""What companion says at once when what she writes suggests she may be at risk.

The reply goes in the emergency lane, ahead of everything waiting, and never waits for her to
answer before showing help. (Clinician alerts and the stored flag arrive with the screening and
clinician work; this is the immediate response to her.)
"""

from __future__ import annotations

from companion.bot.context import Services
from companion.bot.mother_view import crisis_block
from companion.bot.replies import Reply
from companion.core.triage import Result


def crisis_reply(
    services: Services, locale: str, country: str | None, result: Result
) -> Reply | None:
    """The immediate reply for a triage result, or None when nothing is called for."""
    content = services.content
    resources = content.resources_for(country)
    emergency = resources.emergency or content.text(locale, "crisis.local_emergency")
    crisis = crisis_block(content, locale, resources)
    if result.level in ("urgent", "emergency"):
        return Reply(
            content.text(locale, f"crisis.{result.level}", crisis=crisis, emergency=emergency)
        )
    if result.level == "concern" and result.ask_clarifying:
        return Reply(content.text(locale, "crisis.clarify", crisis=crisis))
    return None
