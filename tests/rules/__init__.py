"""Pure rules: no database, no Redis, no network; seconds for the whole tier."""
