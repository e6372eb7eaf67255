"""Persistence adapters: the store ports over SQLAlchemy (SQLite, PostgreSQL) or process memory."""
