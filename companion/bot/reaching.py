"""How a clinician knows and reaches a mother, as her share with them allows: the name she chose
with the clinician's own label for her beside it, her phone number if she gave it, and a link to
her Telegram account if she said they may message her there.

Each is read from that one share, so a clinician sees only what she gave them, and never what
she gave another. Nothing here is ever shown to her.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.bot.context import Services
from companion.delivery.outgoing import TextLink
from companion.store.clinician_models import Share
from companion.store.clinicians import read_display_name, read_sealed
from companion.store.models import Mother


@dataclass(frozen=True)
class Reach:
    """Her phone number, and her Telegram id only when she said they may message her there."""

    phone: str | None = None
    telegram_id: int | None = None


def shown_name(services: Services, locale: str, share: Share) -> str:
    """The name she chose, and the label of the clinician's invitation beside it, if it had one:
    "M. (your label: Ana López, MRN 1234)". For that share's clinician only."""
    name = read_display_name(share, services.vault)
    label = read_sealed(share, "label_sealed", services.vault)
    if not label:
        return name
    return services.content.text(locale, "clinician.labelled", name=name, label=label)


def reach_of(services: Services, share: Share, mother: Mother) -> Reach:
    phone = read_sealed(share, "contact_sealed", services.vault)
    return Reach(phone, mother.telegram_user_id if share.direct_ok else None)


def reach_text(services: Services, locale: str, reach: Reach) -> str:
    """The alert's lines on reaching her; empty when she allowed neither."""
    t = services.content.text
    lines = []
    if reach.phone:
        lines.append(t(locale, "alerts.clinician.reach_phone", phone=reach.phone))
    if reach.telegram_id is not None:
        link = t(locale, "alerts.clinician.reach_link")
        lines.append(t(locale, "alerts.clinician.reach_direct", link=link))
    return "\n\n" + "\n".join(lines) if lines else ""


def her_link(services: Services, locale: str, reach: Reach) -> TextLink | None:
    """A text link to her account, on the words reach_text wrote.

    tg://user?id= opens a chat with a user who has no username. The Bot API allows it in an
    inline keyboard button's url, but when her privacy settings do not allow linking to her,
    Telegram refuses the whole message (BUTTON_USER_PRIVACY_RESTRICTED): the alert itself would
    fail. In a text link the same address never costs the message; at worst it does not open.
    """
    if reach.telegram_id is None:
        return None
    words = services.content.text(locale, "alerts.clinician.reach_link")
    return TextLink(words, f"tg://user?id={reach.telegram_id}")
