"""Large datasets read as one ordered query: the database writes their CSV, over several processes.

A TableQuery names, for each of a dataset's columns, a field or annotation of one queryset. From it:

- the rows for Python (JSON, GeoJSON, the datastore): residents' text masked in the rows whose
  ``may_hold_contact_details`` flag is set, the others read as they are;
- CSV lines built by the database itself (``printf`` on SQLite, ``format`` on PostgreSQL) for the rows
  whose text cannot hold contact details; the flagged rows are formatted in Python, as csv.writer writes
  them (the two give the same bytes: tested);
- parts: consecutive ranges of the ordering key, each written by a forked process, concatenated in order.

A refresh reads the rows up to the last one that existed when it started (``table_snapshot``), so every
format of one export holds the same rows.

By responsibility: what a dataset is read as (table_query), the rows for Python (rows), the CSV lines
the database builds (csv_lines), the snapshot and its parts (parts), a part by PostgreSQL's COPY
(postgres_copy) and the whole file written in parts (csv_write). Settings tests override live in the
module that reads them: ``parts.ROWS_PER_PART_MIN``, ``postgres_copy._COPY_BUFFER``.
"""

from civicloop.opendata.tables.csv_lines import table_csv_lines
from civicloop.opendata.tables.csv_write import table_csv_write
from civicloop.opendata.tables.parts import ROWS_PER_PART_MIN, table_parts, table_snapshot
from civicloop.opendata.tables.rows import csv_values, published_text, table_rows
from civicloop.opendata.tables.table_query import CHUNK, TableQuery

__all__ = [
    "CHUNK",
    "ROWS_PER_PART_MIN",
    "TableQuery",
    "csv_values",
    "published_text",
    "table_csv_lines",
    "table_csv_write",
    "table_parts",
    "table_rows",
    "table_snapshot",
]
