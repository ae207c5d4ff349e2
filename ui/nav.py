"""The dashboard's pages, in one place. ``app.py`` builds ``st.navigation`` from :data:`PAGES`.

A new page is one more :class:`PageSpec` entry here — nothing else in the router changes; links between
pages use :func:`page_path` with the ``url_path`` below.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    url_path: str   # the page's URL (/projection) and its id in links
    file: str       # relative to app.py
    title: str
    icon: str
    default: bool = False


PAGES: list[PageSpec] = [
    PageSpec("overview", "ui/pages/overview.py", "Overview", ":material/summarize:", default=True),
    PageSpec("law", "ui/pages/law.py", "Law & regimes", ":material/gavel:"),
    PageSpec("projection", "ui/pages/projection.py", "Projection", ":material/bar_chart:"),
    PageSpec("disparities", "ui/pages/disparities.py", "Disparities", ":material/balance:"),
    PageSpec("trends", "ui/pages/trends.py", "Trends", ":material/timeline:"),
    PageSpec("geography", "ui/pages/geography.py", "Geography", ":material/map:"),
    PageSpec("records", "ui/pages/records.py", "Record explorer", ":material/person_search:"),
    PageSpec("methods", "ui/pages/methods.py", "Data & methods", ":material/menu_book:"),
]


def page_path(url_path: str) -> str:
    """The file of a page by its url_path (for st.page_link / st.switch_page)."""
    return next(p.file for p in PAGES if p.url_path == url_path)
