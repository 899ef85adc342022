"""Database expressions that Django lacks in a form both our databases share."""

from typing import Any

from django.db.models import FloatField, Func


class UnitRandom(Func):
    """A random float in [0, 1) drawn by the database, one per row (Django's Random() is an
    integer on SQLite and a float on PostgreSQL, so the two would not mix in one column)."""

    function = "RANDOM"
    template = "RANDOM()"
    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        # SQLite's RANDOM() is a signed 64-bit integer: scale it into [0, 1).
        return self.as_sql(
            compiler, connection, template="(RANDOM() / 18446744073709551616.0 + 0.5)", **extra_context
        )
