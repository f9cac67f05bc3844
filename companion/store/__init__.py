"""Persistence: SQLAlchemy models, the database handle, and queries grouped by feature."""
