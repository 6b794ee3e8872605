"""Storage: SQLAlchemy 2 models share one declarative ``Base``; this package is the only place that knows SQL dialects."""

from palermo.db.base import Base, utcnow
from palermo.db.database import Database

__all__ = ["Base", "Database", "utcnow"]
