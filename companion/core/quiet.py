"""Quiet hours: a local-time window (default 22:00-07:00) in which nothing scheduled is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from companion.core.clock_time import ClockTime


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """ "22:00-07:00" (validated by the settings)."""
        first, second = (ClockTime.parse_stored(part) for part in text.split("-"))
        return cls(time(first.hour, first.minute), time(second.hour, second.minute))

    def contains(self, moment: time) -> bool:
        """Is this local wall time quiet? The window includes its start, not its end."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def next_loud(self, local: datetime) -> datetime:
        """The first local moment at or after `local` outside the window."""
        if not self.contains(local.time()):
            return local
        end_today = local.replace(
            hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0
        )
        return end_today if end_today > local else end_today + timedelta(days=1)
