"""Tools for running companion without Telegram: a fake Bot API and update builders."""
