"""Getting messages out and updates in: the outbox and its sender, the inbox, the tick."""
