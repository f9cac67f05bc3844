"""The crisis replies a mother in the United Kingdom (or with no country) sees, in English, written
out by hand from messages/en/crisis.toml, messages/en/help.toml and messages/resources/: tests
compare what was sent with these, never with text rebuilt from the same templates."""

from __future__ import annotations

GB_LINES = "\n".join(
    [
        "If you feel unsafe, or might harm yourself or your baby, get help now:",
        "🚨 Emergency: call 999",
        "☎️ Samaritans (crisis line): call 116 123 (24/7, free). "
        "Someone to listen, whatever you are going through.",
        "☎️ NHS 111 (England) (crisis line): call 111, then choose the mental health option "
        "(24/7). "
        "Urgent mental health help in England.",
        "☎️ Shout (crisis line): text SHOUT to 85258 (24/7). Talk by text with a trained volunteer.",
        "🤝 PANDAS Foundation helpline (support line, not an emergency service): "
        "call 0808 1961 776 (not 24/7: see pandasfoundation.org.uk). "
        "Peer support for parents with perinatal mental illness. Not an emergency service.",
        "🤝 PANDAS Foundation text service (support line, not an emergency service): "
        "text PANDAS to 85258 (24/7). "
        "Support by text for parents with perinatal mental illness. Not an emergency service.",
    ]
)
# No country known: the local emergency number and a helpline directory.
NO_COUNTRY_LINES = "\n".join(
    [
        "If you feel unsafe, or might harm yourself or your baby, get help now:",
        "🚨 Emergency: call your local emergency number",
        "🌐 Find A Helpline (helpline directory): https://findahelpline.com (directory). "
        "A directory of free, confidential helplines in your country.",
    ]
)


def urgent(lines: str, emergency: str) -> str:
    return (
        "Thank you for telling me. Thoughts like these are more common after having a baby than "
        "most people think, and they are treatable. You deserve support today, not later: please "
        "talk with a doctor, midwife or health visitor today, or one of the lines below.\n\n"
        f"{lines}\n\n"
        "If you can, tell someone you trust how you are feeling right now. If you fear you might "
        "act on these thoughts, put your baby somewhere safe, like the cot, step away, and call "
        f"{emergency} now."
    )


NEXT_NO_CLINICIAN = (
    "What happens next: no clinician is linked to companion for you, so nobody has been told "
    "automatically. Please reach one of the lines above, or your own doctor, midwife or health "
    "visitor. I'll message you in about 90 minutes to ask how you are, and I won't send your "
    "usual check-in questions for the rest of today.\n\n"
    "To link a clinician, so they are alerted next time: ask them for a companion code and send "
    "/share CODE."
)
NEXT_ANONYMOUS = (
    "What happens next: you haven't set up companion, so I can't check on you later. Please "
    "reach one of the lines above now, or your own doctor or midwife."
)

URGENT_GB = urgent(GB_LINES, "999") + "\n\n" + NEXT_NO_CLINICIAN
EMERGENCY_GB = (
    "I'm worried about your safety right now. Please call 999 now, or one of the lines below.\n\n"
    "If you fear you might act on these thoughts: put your baby somewhere safe, like the cot, "
    "step away, and call someone to be with you. You don't have to be alone with this.\n\n"
    f"{GB_LINES}\n\n{NEXT_NO_CLINICIAN}"
)
URGENT_NO_COUNTRY_ANONYMOUS = (
    urgent(NO_COUNTRY_LINES, "your local emergency number") + "\n\n" + NEXT_ANONYMOUS
)

CLARIFY_GB = (
    "Thank you for telling me. Can I check, gently: are you having any thoughts of harming "
    "yourself or your baby at the moment? Whatever the answer, you won't be judged. If you are, "
    f"please reach out now:\n\n{GB_LINES}"
)
CLARIFY_NO_GB = (
    "Thank you for telling me. If that ever changes, you can tell me any time, day or night, or "
    f"reach one of these lines:\n\n{GB_LINES}"
)
CONCERN_GB = (
    "Thank you for telling me how things are. It sounds like a hard time, and you don't have to "
    "carry it alone. Talking to someone can help: your doctor, midwife or health visitor, or one "
    f"of these lines.\n\n{GB_LINES}"
)
FOLLOWUP_SAFE_GB = (
    "I'm glad. Thank you for letting me know. If things get hard again, tell me any time, or "
    f"reach one of these lines:\n\n{GB_LINES}"
)
FOLLOWUP_MISREAD_GB = (
    "Thank you for telling me, and I'm sorry if I got it wrong. I've noted what you said. Because "
    "the message could have been about safety, I keep a private note of it. If you ever need "
    f"them, these lines are there:\n\n{GB_LINES}"
)
NO_ANSWER_GB = (
    "I haven't heard back from you since I asked how you are. If you are not safe, please call "
    "999 now, or someone you trust. You can answer me here any time."
)
