"""Law & regimes: the three laws side by side from the YAML the engine uses, and what changed when."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nyc_cannabis.law import regimes
from nyc_cannabis.present import lawbook
from nyc_cannabis.ui import common, exports, state

ctx = common.start("Law & regimes",
                   "The three laws as the engine reads them (`nyc_cannabis/law/regimes/*.yaml`), with their sources. "
                   "Each rule quotes the sentence of the statute, bill text or court source it rests on. Rules "
                   "marked *unverified* say what primary text could not confirm, and are flagged wherever they "
                   "are used.")
if ctx:
    db, info = ctx
    targets = tuple(regimes.catalogue())
    params = [state.Param("regime", "mrta-2021", choices=targets, label="Law shown in detail")]
    state.bind("law", params)
    cols = st.columns(3)
    for col, rid in zip(cols, regimes.REGIME_IDS):
        d = lawbook.describe(regimes.load(rid))
        with col.container(border=True):
            st.markdown(f"**{d['name']}**")
            st.markdown(f"In force: **{d['from'] or '1977'}** to **{d['until'] or 'today'}**  \n"
                        f"{d['rules']} rules, {d['unverified_rules']} unverified  \n"
                        f"Expunged automatically: {', '.join(d['expunge_sections']) or 'none'} "
                        + (f"([source]({d['expunge_citation']}))" if d['expunge_citation'] else ""))
    st.header("What changed when: typical situations under each law")
    scen = pd.DataFrame(lawbook.scenario_table())
    scen.columns = ["situation", *(regimes.load(r).name.split(":")[0] for r in regimes.REGIME_IDS)]
    exports.table(scen, "law-scenarios", "scenarios")
    st.caption("Each row is one set of facts, classified by each law's rules; the same rules drive every "
               "projection. 1 oz = 28.35 g.")
    st.header("The rules of one law")
    choice = st.selectbox("Law shown in detail", targets, key="regime",
                          format_func=lambda t: regimes.load(t).name)
    regime = regimes.load(choice)
    rules = pd.DataFrame(lawbook.rules_table(regime))
    link = {"citation": st.column_config.LinkColumn("Source", display_text="source",
                                                    help="The official page of the source (CSV column `citation`).")}
    exports.table(rules, f"rules-{regime.id}", "rules",
                  column_config=link | {"verified": st.column_config.CheckboxColumn("Verified")})
    st.caption("*Verified*: every attribute of the rule matches primary text. An unverified rule says what is "
               "unknown; where it has *other readings* (an unverified fine, a defence the record cannot show), "
               "the low bound takes the least serious and the high bound the most serious.")
    with st.expander(f"Every source of {regime.name.split(':')[0]}, quoted", icon=":material/gavel:"):
        sources = pd.DataFrame(lawbook.sources_table(regime))
        exports.table(sources, f"sources-{regime.id}", "sources", column_config=link)
    with st.expander("Changes to the law model (December 2026)", icon=":material/history_edu:"):
        st.markdown(lawbook.changes_text())
    query = state.publish("law", params)
    exports.cite_box(exports.View("law", f"Rules of {regime.name}", state.permalink("law", query), query,
                                  tables={"scenarios": scen, f"rules-{regime.id}": rules, f"sources-{regime.id}": sources},
                                  law=lawbook.source_lines(regime)), info)
