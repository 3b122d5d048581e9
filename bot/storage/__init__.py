"""SQLite storage: the connection, migrations and repositories."""

from bot.storage.database import Database, DatabaseError, DatabaseTooNewError

__all__ = ["Database", "DatabaseError", "DatabaseTooNewError"]
