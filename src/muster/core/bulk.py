"""Inserting many rows at once, for bulk imports: plain INSERTs, without model instances.

Django's bulk_create builds a model instance and prepares every value of every row through
its field (about half of a 100,000-record import's time). Here values are converted once per
distinct value, and rows go to the database with executemany, or in multi-row INSERTs with
RETURNING when the new ids are needed. Only for rows that need none of a model's save() logic;
callers validate and audit as the service functions do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models

# Fields whose Python values the database drivers take as they are.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
    models.OneToOneField,
    models.AutoField,
    models.BigAutoField,
)
RETURNING_CHUNK = 500  # rows per INSERT ... RETURNING (SQLite allows 32,766 parameters)


def _converter(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How one column's Python values become database values (None: as they are)."""
    if isinstance(field, _PLAIN):
        return None
    prep = field.get_db_prep_save
    if isinstance(field, models.JSONField):
        return lambda value: prep(value, connection)
    cache: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            cache[value] = done = prep(value, connection)
            return done

    return convert


def _prepared(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> tuple[str, str, list[tuple[Any, ...]]]:
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    converters = [_converter(f) for f in fields]  # type: ignore[arg-type]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in fields)  # type: ignore[union-attr]
    prepared = []
    if any(converters):
        pairs = list(enumerate(converters))
        for row in rows:
            values = list(row)
            for i, convert in pairs:
                if convert is not None:
                    values[i] = convert(values[i])
            prepared.append(tuple(values))
    else:
        prepared = [tuple(row) for row in rows]
    return quote(meta.db_table), names, prepared


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert rows (values in the order of `columns`, by field name); returns how many."""
    table, names, prepared = _prepared(model, columns, rows)
    if not prepared:
        return 0
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)  # noqa: S608
    return len(prepared)


def insert_returning_ids(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[int]:
    """Insert rows and return their new ids, in the order of the rows."""
    table, names, prepared = _prepared(model, columns, rows)
    pk_field = model._meta.pk
    assert pk_field is not None
    assert pk_field.column is not None
    pk = connection.ops.quote_name(pk_field.column)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), RETURNING_CHUNK):
            chunk = prepared[start : start + RETURNING_CHUNK]
            values = ", ".join([one] * len(chunk))
            params = [value for row in chunk for value in row]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values} RETURNING {pk}",  # noqa: S608
                params,
            )
            # Both databases return the ids of a multi-row INSERT in the order of its rows
            # (Django's own bulk_create relies on the same).
            ids.extend(row[0] for row in cursor.fetchall())
    return ids
