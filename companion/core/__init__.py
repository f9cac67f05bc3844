"""The pure core: plain functions over plain data. No telegram import, no database session."""
