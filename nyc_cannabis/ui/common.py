"""What every page does first: the database, its summary, the synthetic-data banner; and shared renderers."""

from __future__ import annotations

from typing import Any

import streamlit as st

from nyc_cannabis.law import regimes
from nyc_cannabis.present import charts
from nyc_cannabis.ui import data

SYNTHETIC_BANNER = ("**Synthetic demo data.** These records are generated to look like NYPD data; they are "
                    "not real enforcement records, and no finding here describes New York. Load real NYC Open "
                    "Data exports on the Data & methods page or with `python -m nyc_cannabis ingest`.")


def start(title: str, intro: str | None = None) -> tuple[data.Db, dict[str, Any]] | None:
    """Title, database summary and banner. None (after a clear st.error) when there is no usable database."""
    st.title(title)
    db = data.current()
    info = data.load_info(db)
    if info is None:
        return None
    if info["synthetic"]:
        st.warning(SYNTHETIC_BANNER, icon=":material/science:")
    if not info.get("cells_current", True):
        st.info(f"This database was built by an older version: every figure is still exact, but counted from "
                f"the records at each question, which is slow at city scale. Rebuild its summary once on the "
                f"Data & methods page (or stop the dashboard and run `python -m nyc_cannabis summarize --db "
                f"{db.path}`).", icon=":material/speed:")
    if intro:
        st.markdown(intro)
    return db, info


def fmt(n: Any) -> str:
    return charts.fmt(n)


CLASS_WORDS = {"lawful": "legal", "civil": "civil offence (not a crime)", "violation": "violation (not a crime)",
               **{k: f"{regimes.class_name(k)} (crime)" for k in regimes.CRIMINAL}}


def rule_cited(r: dict[str, Any]) -> str:
    """A rule with its main source as a reader checks it: kind, the sentence quoted, the link; unknowns named."""
    s = r["sources"][0]
    kind = regimes.KIND_NAMES[s["kind"]] + ("" if s["official"] or s["kind"] == "mirror" else ", unofficial copy")
    return (f"§{r['section']} {r['name']} ({kind}: “{s['quote']}” [source]({s['url']}))"
            + ("" if r["verified"] else f" — *unverified: {r['unknown']}*"))


def outcome_line(o: dict[str, Any]) -> str:
    cited = "; ".join(rule_cited(r) for r in o["rules"]) or "no offence applies"
    fine = f", fine up to ${o['fine_max']:,.0f}" if o["fine_max"] and not o["criminal"] else ""
    jail = f", up to {o['jail_max_days']} days in jail" if o.get("jail_max_days") else ""
    because = "".join(f" *(reading: {b})*" for b in o.get("because", []))
    return f"**{CLASS_WORDS.get(o['class'], o['class'])}**{fine}{jail} — {cited}{because}"


def chain(result: dict[str, Any], outcomes: dict[str, Any] | None, target_name: str) -> None:
    """The reasoning chain (from explain or lawbook.what_if): law on the date → facts → outcome, cited."""
    charged = result["charged_regime"]
    meaning = result.get("meaning_on_date")
    if not meaning:
        st.info(result.get("conclusion", "nothing to re-apply"))
        return
    st.markdown(f"**1. The law on that date** was *{charged['name']}* (`{charged['id']}`). The charge meant:")
    st.markdown("\n".join(f"- {CLASS_WORDS.get(m['class'], m['class'])}: {rule_cited(m)}" for m in meaning))
    facts = result.get("consistent_facts")
    if not facts or outcomes is None:
        st.info(result.get("conclusion", "no facts fit this charge for this age band"))
        return
    upto = "no upper limit" if facts["amount_g"]["up_to"] is None else f"{facts['amount_g']['up_to']:g} g"
    st.markdown(f"**2. Facts consistent with it** (the record does not say the amount, place or buyer): "
                f"conduct {', '.join(c.replace('_', ' ') for c in facts['conduct'])}; more than "
                f"{facts['amount_g']['above']:g} g up to {upto}; actor aged {', '.join(a.replace('_', ' ') for a in facts['actor_age'])}.")
    st.markdown(f"**3. Under {target_name}:**")
    for bound in ("low", "central", "high"):
        st.markdown(f"- {charts.BOUND_NAMES[bound]}: " + outcome_line(outcomes[bound]))
