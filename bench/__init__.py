"""companion's benchmark suite: `python -m bench` (about 5 minutes) or `python -m bench --quick`.

Everything runs in process against bench.fake_api.LimitedTelegram, a fake Bot API that enforces
Telegram's limits (scaled: 300 msg/s global, 1 msg/s per chat) with a simulated round trip, and
compares companion with a bot "built the usual way" on python-telegram-bot's JobQueue.
"""
