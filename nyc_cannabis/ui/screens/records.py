"""Record explorer: find records, see one record's reasoning chain; and "what would happen to me"."""

from __future__ import annotations

import datetime as dt
import re

import streamlit as st

from nyc_cannabis.core.datasets import RACE_GROUPS
from nyc_cannabis.law import crosswalk, regimes
from nyc_cannabis.present import glossary, lawbook, views
from nyc_cannabis.ui import common, data, exports, state

ANY = "any"

ctx = common.start("Record explorer",
                   "Find cannabis records, pick one, and see step by step what it would have been under another "
                   "law, with the rule and its source at each step. Or describe a charge yourself below.")
if ctx:
    db, info = ctx
    lo, hi = data.date_span(db)
    dataset_param = state.Param("dataset", "arrests", choices=("arrests", "summonses"))
    dataset = state.peek("records", dataset_param)  # the dataset decides the other filters' choices
    opts = data.choices(db.path, db.mtime, dataset)
    targets = tuple(regimes.catalogue())
    charges = tuple(lawbook.charges())
    params = [
        dataset_param,
        state.Param("start", max(lo, hi - dt.timedelta(days=365)), "date", (lo, hi)),
        state.Param("end", hi, "date", (lo, hi)),
        state.Param("group", ANY, choices=(ANY, *RACE_GROUPS)),
        state.Param("section", ANY, choices=(ANY, *opts["section"])),
        state.Param("precinct", ANY, choices=(ANY, *opts["precinct"])),
        *state.view_params(views.EXPLAIN, lo, hi),  # the explain command's parameters
        state.Param("me_charge", "221.10(1)", choices=charges),
        state.Param("me_date", dt.date(2018, 6, 1), "date", (dt.date(1978, 1, 1), dt.date(2030, 12, 31))),
        state.Param("me_age", "25-44", choices=tuple(crosswalk.AGE_BANDS)),
    ]
    state.bind("records", params)

    tab_find, tab_me = st.tabs(["Find a record", "What would happen to me?"])
    with tab_find:
        with st.container(border=True):
            c = st.columns(3)
            c[0].selectbox("Dataset", ("arrests", "summonses"), key="dataset")
            c[1].date_input("From", key="start", min_value=lo, max_value=hi, format="YYYY-MM-DD")
            c[2].date_input("To", key="end", min_value=lo, max_value=hi, format="YYYY-MM-DD")
            c = st.columns(3)
            c[0].selectbox("Group", (ANY, *RACE_GROUPS), key="group")
            c[1].selectbox("Law section", (ANY, *opts["section"]), key="section")
            c[2].selectbox("Precinct", (ANY, *opts["precinct"]), key="precinct")
        v = state.current(params)
        start, end = sorted((v["start"], v["end"]))
        frame, total = data.records(db.path, db.mtime, v["dataset"], start, end,
                                    None if v["group"] == ANY else v["group"],
                                    None if v["section"] == ANY else v["section"],
                                    None if v["precinct"] == ANY else int(v["precinct"]))
        st.markdown(f"**{common.fmt(total)}** matching cannabis {v['dataset']}"
                    + (f"; the newest {common.fmt(len(frame))} are listed." if total > len(frame) else "."))
        exports.table(frame, f"records-{v['dataset']}-{start}-{end}", "records",
                      column_config={"record_key": st.column_config.TextColumn("record key"),
                                     "event_date": st.column_config.DateColumn("date", format="YYYY-MM-DD"),
                                     "precinct": st.column_config.NumberColumn("precinct", format="%d")})
        keys = [""] + frame["record_key"].astype(str).tolist()
        if st.session_state["key"] and st.session_state["key"] not in keys:
            keys.insert(1, st.session_state["key"])
        c = st.columns([1, 2])
        c[0].selectbox("Record to explain", keys, key="key", format_func=lambda k: k or "choose a record")
        c[1].selectbox("Law to re-apply", targets, key="regime",
                       format_func=lambda t: regimes.load(t).name)
        if st.session_state["key"]:
            try:
                result = data.explanation(db.path, db.mtime, st.session_state["key"], st.session_state["regime"])
            except ValueError as exc:  # the reason without the server's path to its database
                reason = re.sub(r" in Database\(.*\)$", " in the database", str(exc))
                st.warning(f"Record {state.shown(st.session_state['key'])} cannot be explained: "
                           f"{state.plain(reason)}.")
            else:
                r = result["record"]
                st.markdown(f"**{r['dataset'][:-1].capitalize() if r['dataset'] == 'arrests' else 'Summons'} "
                            f"{r['record_key']}** on {r['event_date']}: code `{r['code']}` ({r['description']}), "
                            f"age band {r['age_band']}, {r['race_group']}, precinct {r['precinct']} — "
                            f"{glossary.where(r['file_name'], r['line'])}.")
                common.chain(result, result.get("outcome"), result["target_regime"]["name"])
                if "expungeable" in result:
                    e = result["expungeable"]
                    st.markdown(f"**4. Expunged automatically:** under the 2019 rules "
                                f"{'yes' if e['2019_rules'] else 'no'}; under {result['target_regime']['id']} "
                                f"{'yes' if e['target_rules'] else 'no'}.")

    with tab_me:
        st.markdown("Describe a charge: the section (and subdivision) on the paperwork, the date, the age band. "
                    "The answer lists what it would be under every law, with the range the unrecorded facts allow.")
        c = st.columns(3)
        c[0].selectbox("Charge (Penal Law section)", charges, key="me_charge")
        c[1].date_input("Date of the charge", key="me_date", min_value=dt.date(1978, 1, 1),
                        max_value=dt.date(2030, 12, 31), format="YYYY-MM-DD")
        c[2].selectbox("Age band", tuple(crosswalk.AGE_BANDS), key="me_age")
        me = lawbook.what_if(st.session_state["me_charge"], st.session_state["me_date"], st.session_state["me_age"])
        if not me["meaning_on_date"] or "consistent_facts" not in me:
            st.info(me.get("conclusion", "nothing to re-apply"))
        else:
            summary = []
            for tid, t in me["targets"].items():
                if t is None:
                    continue
                classes = [t["outcome"][b]["class"] for b in ("low", "central", "high")]
                summary.append({"law": t["name"], "low": classes[0], "central": classes[1], "high": classes[2],
                                "expunged automatically": t["expungeable"]})
            import pandas as pd

            exports.table(pd.DataFrame(summary), f"what-if-{me['charge']}-{me['date']}", "whatif")
            pick = st.session_state.get("regime", "mrta-2021")
            st.markdown(f"**The reasoning, for {regimes.load(pick).name}** "
                        "(change the law under *Find a record*):")
            t = me["targets"].get(pick)
            common.chain(me, t["outcome"] if t else None, regimes.load(pick).name)

    query = state.publish("records", params)
    exports.cite_box(exports.View("records", "Record explorer", state.permalink("records", query), query), info)
