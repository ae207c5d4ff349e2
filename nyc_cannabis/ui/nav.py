"""The dashboard's pages, in one place. ``app.py`` builds ``st.navigation`` from :data:`PAGES`.

A new page is one more :class:`PageSpec` entry here — nothing else in the router changes; links between
pages use :func:`page_path` with the ``url_path`` below.
"""

from __future__ import annotations

from dataclasses import dataclass

from nyc_cannabis.core.resources import resource_path


@dataclass(frozen=True)
class PageSpec:
    url_path: str   # the page's URL (/projection) and its id in links
    name: str       # the page's script in nyc_cannabis/ui/screens/ (not "pages/": Streamlit would list a pages/
                    # folder beside the main script as pages of its own before st.navigation runs)
    title: str
    icon: str
    default: bool = False

    @property
    def file(self) -> str:
        """The page's script as an absolute path (the app runs from the repository or an installed package)."""
        return str(resource_path("ui", "screens", f"{self.name}.py"))


PAGES: list[PageSpec] = [
    PageSpec("overview", "overview", "Overview", ":material/summarize:", default=True),
    PageSpec("law", "law", "Law & regimes", ":material/gavel:"),
    PageSpec("projection", "projection", "Projection", ":material/bar_chart:"),
    PageSpec("reform", "reform", "Reform builder", ":material/edit_document:"),
    PageSpec("disparities", "disparities", "Disparities", ":material/balance:"),
    PageSpec("trends", "trends", "Trends", ":material/timeline:"),
    PageSpec("geography", "geography", "Geography", ":material/map:"),
    PageSpec("records", "records", "Record explorer", ":material/person_search:"),
    PageSpec("methods", "methods", "Data & methods", ":material/menu_book:"),
]


def page_path(url_path: str) -> str:
    """The file of a page by its url_path (for st.page_link / st.switch_page)."""
    return next(p.file for p in PAGES if p.url_path == url_path)
