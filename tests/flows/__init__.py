"""Domain flows against a real database (SQLite and PostgreSQL) and a real redis-server."""
