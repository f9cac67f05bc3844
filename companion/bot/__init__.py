"""Telegram handlers, one module per feature; companion.app wires them."""
