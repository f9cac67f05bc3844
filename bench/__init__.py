"""companion's benchmark suite: `python -m bench` (13 minutes on this loaded 2-core machine)
or `python -m bench --quick` (2.5); `--database-url` runs it on PostgreSQL.

Everything runs against bench.fake_api.LimitedTelegram, a fake Bot API in process that enforces
Telegram's limits (scaled: 300 msg/s global, 1 msg/s per chat) with a simulated round trip, and
compares companion with a bot "built the usual way" on python-telegram-bot's JobQueue (and, for
the fan-out, the same with PTB's AIORateLimiter). The hard minute (tick, fan-out, urgent lane,
crisis texts through the inbox) and the start-ups each run in a subprocess of their own.
"""
