"""The only Streamlit code in gydash: what pages call to get their data, draw their frame, tables and charts.

Pages use these names as `ui.data()`, `ui.table(…)`, `ui.chart(ui.spec(…))`; the modules say what each part owns.
`preload` runs first: it imports every library a page uses before any page runs.
"""

from gydash.ui.preload import PRELOADED  # noqa: I001 (first, on purpose)
from gydash.ui.bullet import bullet_html
from gydash.ui.layout import (
    BADGE_COLOURS,
    DATA_PAGE,
    MENU,
    badge_md,
    menu_links,
    page_header,
    pages,
    route_through_app,
    sidebar,
    style,
)
from gydash.ui.page_guard import guarded
from gydash.ui.session import data, plan_title, selected_area, selected_plan, set_area, store_targets, today
from gydash.ui.specs import spec
from gydash.ui.staff import staff_role, staff_sign_in, viewing_allowed
from gydash.ui.widgets import RADIO_MAX, chart, choice, html_charts, table, views

__all__ = [
    "BADGE_COLOURS",
    "DATA_PAGE",
    "MENU",
    "PRELOADED",
    "RADIO_MAX",
    "badge_md",
    "bullet_html",
    "chart",
    "choice",
    "data",
    "guarded",
    "html_charts",
    "menu_links",
    "page_header",
    "pages",
    "plan_title",
    "route_through_app",
    "selected_area",
    "selected_plan",
    "set_area",
    "sidebar",
    "spec",
    "staff_role",
    "staff_sign_in",
    "store_targets",
    "style",
    "table",
    "today",
    "viewing_allowed",
    "views",
]
