"""Hostile inputs shared by the fuzz tests (``tests/ingest/test_fuzz_exports.py``, ``tests/ui/test_fuzz_urls.py``).

How many examples a fuzz test runs: :func:`fuzz_settings`. By default a small, fixed (derandomized) number, so
the suite stays fast and CI reproducible; ``NYC_CANNABIS_FUZZ_EXAMPLES=N`` runs ``N`` random examples per
test instead (a long local session, new seeds each run)::

    NYC_CANNABIS_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/ingest/test_fuzz_exports.py -n 0 -q

A failure prints the minimal input Hypothesis found (and ``@reproduce_failure`` to replay it).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: examples per fuzz test for a long local session (0: the fixed CI number each test declares)
FUZZ_EXAMPLES = int(os.environ.get("NYC_CANNABIS_FUZZ_EXAMPLES", "0") or 0)


def fuzz_settings(ci_examples: int) -> settings:
    """``ci_examples`` derandomized examples (CI), or ``$NYC_CANNABIS_FUZZ_EXAMPLES`` random ones (a long run).
    No deadline (a DuckDB load or a Streamlit run varies with the machine) and no example database: a CI
    run replays nothing from an earlier one."""
    long_run = FUZZ_EXAMPLES > 0
    return settings(max_examples=FUZZ_EXAMPLES if long_run else ci_examples, derandomize=not long_run,
                    deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture, HealthCheck.large_base_example])


#: text a hostile URL or cell may hold, beyond random unicode: traversal, NUL, SQL, markup, format strings,
#: numbers out of any range, right-to-left and zero-width characters, an emoji, a lone surrogate's escape
NASTY_TEXT: tuple[str, ...] = (
    "", " ", "../../etc/passwd", "..%2F..%2Fetc", "a\x00b", "\x00", "'; DROP TABLE arrests;--",
    "1 OR 1=1", "\" OR \"\"=\"", "<script>alert(1)</script>", "{{7*7}}", "%s%s%n", "${jndi:ldap://x}",
    "-1", "0", "-9999999999999999999999", "1e309", "NaN", "inf", "-inf", "0x10", "1.5", "true", "null",
    "None", "[]", "{}", "\u202eevil", "a\u200bb", "🌿", "\\u0000", "x" * 5000, "ÀÉÎÕÜ", "漢字", "\r\n", "\t",
)

nasty_text = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=60),
                       st.text(st.characters(codec="utf-8"), min_size=1, max_size=20))
