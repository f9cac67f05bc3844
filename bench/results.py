"""What a fan-out measured, read from the fake's record (shared by companion and baseline)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bench.common import CHAT_BASE, GLOBAL_RATE, URGENT_BASE, percentile
from bench.fake_api import LimitedTelegram

URGENT_EVERY_S = 0.1
URGENT_TEXT = "If you are in danger now, call 999. You are not alone: here is who to call."


@dataclass
class FanoutResult:
    """What one fan-out measured; the same shape for companion and the baseline."""

    count: int
    delivered: int = 0
    duplicates: int = 0
    refused_429: int = 0
    span_s: float = float("nan")
    rate: float = float("nan")  # every message the fake accepted in the span, per second
    fanout_rate: float = float("nan")  # the check-ins alone
    urgent_latencies: list[float] = field(default_factory=list)
    urgent_queued: int = 0
    extra: dict[str, float] = field(default_factory=dict)
    task_errors: Counter[str] = field(default_factory=Counter)  # exceptions nobody retrieved
    # The inbound side (companion only): crisis texts through the inbox during the burst.
    crisis_latencies: list[float] = field(default_factory=list)  # unanswered: up to the end
    crisis_sent: int = 0
    crisis_answered: int = 0  # answered with the crisis reply
    lock_errors: int | None = None
    lock_where: dict[str, int] = field(default_factory=dict)
    errors_logged: dict[str, int] = field(default_factory=dict)
    worker_failures: dict[str, int] = field(default_factory=dict)  # sender or inbox stopped
    rss_mb: float = float("nan")  # the fan-out's process, after it
    peak_mb: float = float("nan")

    @property
    def ratio(self) -> float:
        return self.rate / GLOBAL_RATE

    @property
    def urgent_p50(self) -> float:
        return percentile(self.urgent_latencies, 0.50)

    @property
    def urgent_p99(self) -> float:
        return percentile(self.urgent_latencies, 0.99)

    @property
    def crisis_p99(self) -> float:
        return percentile(self.crisis_latencies, 0.99)

    @property
    def crisis_p50(self) -> float:
        return percentile(self.crisis_latencies, 0.50)


def measure(
    fake: LimitedTelegram,
    count: int,
    urgent_sent_at: dict[int, float],
    result: FanoutResult,
    *,
    since: float,
) -> FanoutResult:
    """Read the fake's record: rates over the fan-out's span, duplicates, urgent latencies.

    The span runs from `since` (time.monotonic() when the tick started, or the baseline's jobs
    were due) to the last check-in accepted. The urgent messages and crisis replies share the
    300/s ceiling with the fan-out, so the achieved rate counts every message accepted in the
    span (the check-ins alone are reported too). The fake admits 300 in any one-second window,
    so a sender that bursts at each window's start can exceed 1.0 over a short span (by up to
    one window's worth)."""
    fan_chats = range(CHAT_BASE, CHAT_BASE + count)
    fan_times = [d.at for d in fake.deliveries if CHAT_BASE <= d.chat_id < CHAT_BASE + count]
    result.delivered = fake.delivered_to(fan_chats)
    result.duplicates = sum(fake.per_chat[c] - 1 for c in fan_chats if fake.per_chat[c] > 1)
    result.duplicates += sum(fake.per_chat[c] - 1 for c in urgent_sent_at if fake.per_chat[c] > 1)
    result.refused_429 = fake.refused
    if len(fan_times) >= 2:
        last = max(fan_times)
        in_span = [d.at for d in fake.deliveries if since <= d.at <= last]
        result.span_s = last - since
        result.rate = len(in_span) / result.span_s
        result.fanout_rate = len(fan_times) / result.span_s
    arrived = {d.chat_id: d.at for d in fake.deliveries if d.chat_id >= URGENT_BASE}
    result.urgent_queued = len(urgent_sent_at)
    result.urgent_latencies = [
        arrived[chat] - queued_at for chat, queued_at in urgent_sent_at.items() if chat in arrived
    ]
    return result
