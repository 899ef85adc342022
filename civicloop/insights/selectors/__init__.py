"""Insights reads: the stored snapshot shaped for the dashboards, the area pages, CSV files and open data.

Pages read one snapshot row (see services.insights_refresh) and shape it in memory; only an area page
also reads its live lists (announcements, questions, ideas). Definitions of every figure: aggregates.py.

By responsibility: the snapshot and lookups in it (snapshot), figures as printed (formatting), the CSV
tables behind the charts (csv_tables), open data (open_data), the dashboards (dashboards) and the
community area pages (area_pages).
"""

from civicloop.insights.selectors.area_pages import (
    AREA_LIST_LIMIT,
    AreaPage,
    area_page,
    community_area_by_slug,
    community_area_list,
)
from civicloop.insights.selectors.csv_tables import (
    CSV_TABLES,
    DELIVERY_COLUMNS,
    REPLY_COLUMNS,
    RESPONSE_COLUMNS,
    Table,
    chart_table,
)
from civicloop.insights.selectors.dashboards import Chart, Dashboard, TableRow, dashboard
from civicloop.insights.selectors.formatting import fewer_than
from civicloop.insights.selectors.open_data import AreaMonthRow, participation_by_area_month
from civicloop.insights.selectors.snapshot import computed_at, snapshot_get

__all__ = [
    "AREA_LIST_LIMIT",
    "CSV_TABLES",
    "DELIVERY_COLUMNS",
    "REPLY_COLUMNS",
    "RESPONSE_COLUMNS",
    "AreaMonthRow",
    "AreaPage",
    "Chart",
    "Dashboard",
    "Table",
    "TableRow",
    "area_page",
    "chart_table",
    "community_area_by_slug",
    "community_area_list",
    "computed_at",
    "dashboard",
    "fewer_than",
    "participation_by_area_month",
    "snapshot_get",
]
