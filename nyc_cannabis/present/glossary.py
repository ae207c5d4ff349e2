"""What each column of the engine's tables means, in words a reader can quote.

The tables keep their machine names (``criminal_low``) in CSV downloads, the JSON of the CLI and the reporter
pack, so scripts and earlier downloads keep working; the dashboard shows :func:`label` as the header and
:func:`describe` as the header's tooltip. One entry per column name, shared by every table that has it, with
its unit in :data:`UNITS` where one applies. :func:`dictionary` is the data dictionary a CSV download carries
(``<table>.dictionary.csv``).

An estimate with a 95% interval (:data:`INTERVALS`) is also written to CSV downloads as three columns a
charting tool reads as a range (Datawrapper's "range" and "error bar" charts): ``<estimate>_estimate``,
``<estimate>_lower``, ``<estimate>_upper`` — e.g. ``rate_ratio_estimate, rate_ratio_lower, rate_ratio_upper``,
copies of ``rate_ratio, ci_low, ci_high`` (``present/handoff.py`` adds them; the original columns stay).
"""

from __future__ import annotations

import re

_BOUNDS = {"low": "least serious outcome the record's code allows", "central": "under the stated assumptions",
           "high": "most serious outcome the record's code allows"}

COLUMNS: dict[str, tuple[str, str]] = {
    # projection
    "regime": ("Law", "The law the records are re-applied to."),
    "records": ("Records", "Cannabis records (arrests or summonses) in the period; in a table by area, all "
                            "groups' records in the area."),
    "unmatched": ("Not re-applied", "Records whose code the law of their own date did not have: left out of "
                                    "every bound."),
    "criminal_as_charged": ("Criminal as charged", "Records charged as a misdemeanor or felony under the law "
                                                   "of their date."),
    **{f"{kind}_{b}": (f"{label} ({b})", f"{help_} under the chosen law, {b} bound: {_BOUNDS[b]}.")
       for kind, label, help_ in (("criminal", "Criminal", "Charges that would stay criminal"),
                                  ("violation", "Violation", "Charges that would become a violation (a "
                                                             "non-criminal offence, e.g. PL §221.05)"),
                                  ("legal", "Legal", "Charges for conduct that would be lawful or draw only a "
                                                     "civil fine"),
                                  ("net_change", "Change in criminal", "Criminal charges under the chosen law "
                                                                       "minus criminal as charged"),
                                  ("share_of_criminal", "Share of criminal", "This group's share of all "
                                                                             "charges that would stay criminal"))
       for b in ("low", "central", "high")},
    "fines_low": ("Fines, low ($)", "Statutory maximum fines of the non-criminal outcomes, summed, low bound."),
    "fines_high": ("Fines, high ($)", "Statutory maximum fines of the non-criminal outcomes, summed, high bound."),
    "expungeable": ("Expunged (2019 rules)", "Records of sections the 2019 law expunges automatically."),
    "expungeable_target": ("Expunged (chosen law)", "Records of sections the chosen law expunges automatically."),
    "on_unverified_rules": ("On unverified rules", "Records whose bounds rest on a rule marked unverified in the "
                                                   "law files."),
    # disparity
    "group": ("Group", "Race / ethnicity group: the NYPD's race labels mapped to seven groups (Data & methods)."),
    "count": ("Count", "Records of the group in the period."),
    "population": ("Residents", "Census 2020 population of the group in the area (table P2)."),
    "rate_per_100k": ("Rate per 100,000 a year", "Records per 100,000 residents per year of the period."),
    "rate_ci_low": ("Rate, 95% CI low", "Lower limit of the exact (Garwood) 95% interval of the rate (in CSV "
                                        "downloads also as `rate_per_100k_lower`)."),
    "rate_ci_high": ("Rate, 95% CI high", "Upper limit of the exact (Garwood) 95% interval of the rate (in CSV "
                                          "downloads also as `rate_per_100k_upper`)."),
    "rate_ratio": ("Rate ratio", "The group's rate divided by the reference group's rate."),
    "ci_low": ("95% CI low", "Lower limit of the 95% confidence interval of the row's estimate: the rate ratio, "
                             "the trend ratio or the arrest share (in CSV downloads also as `rate_ratio_lower`, "
                             "`ratio_lower` or `arrest_share_lower`)."),
    "ci_high": ("95% CI high", "Upper limit of the 95% confidence interval of the row's estimate: the rate ratio, "
                               "the trend ratio or the arrest share (in CSV downloads also as `rate_ratio_upper`, "
                               "`ratio_upper` or `arrest_share_upper`)."),
    "ci_method": ("Interval method", "How the interval was computed: exact conditional (small counts) or log "
                                     "(Wald)."),
    "p_value": ("p-value", "Two-sided p-value against 'same rate as the reference' (exact)."),
    "q_value": ("q-value", "p-value adjusted for the many areas compared (Benjamini–Hochberg)."),
    "significant": ("Significant", "q-value at or below the false discovery rate (0.05)."),
    "share_of_count": ("Share of records", "The group's share of all records in the period."),
    "share_of_population": ("Share of residents", "The group's share of the area's residents."),
    "suppressed": ("Suppressed", "Rate and ratio withheld: too few records or residents to read."),
    "note": ("Note", "Why a figure is withheld or qualified."),
    "rate_ratio_if_unknown_in_reference": ("Ratio if every Unknown were the reference group",
                                           "Sensitivity bound: every record of unknown race counted in the "
                                           "reference group."),
    "rate_ratio_if_unknown_in_group": ("Ratio if every Unknown were this group",
                                       "Sensitivity bound: every record of unknown race counted in this group."),
    "precinct": ("Precinct", "NYPD precinct of the record."),
    "area": ("Area", "The borough, precinct or law period the row is counted in."),
    "borough": ("Borough", "The borough (county) the row is counted in."),
    "years": ("Years", "Length of the period in the area, in years: the rates are per year of it."),
    # a precinct against the city (geography)
    "precinct count": ("Precinct count", "Records of the group in the precinct in the period."),
    "precinct rate": ("Precinct rate", "The group's records per 100,000 of its residents in the precinct, per "
                                       "year."),
    "city rate": ("City rate", "The group's records per 100,000 of its residents in the whole city, per year."),
    "precinct ÷ city": ("Precinct ÷ city", "The precinct rate divided by the city rate: 2 is twice the city's."),
    "significant (BH)": ("Significant (BH)", "The precinct's rate ratio is significant after Benjamini–Hochberg "
                                             "across all precincts (q at or below 0.05)."),
    # enforcement mode (arrest or summons)
    "period": ("Law period", "The law in force on the records' dates: old-1977, reform-2019 (from 2019-08-28) "
                             "or mrta-2021 (from 2021-03-31)."),
    "period_label": ("Period", "The law period in words, with its dates."),
    "arrests": ("Arrests", "Cannabis arrests of the group in the period."),
    "summonses": ("Summonses", "Cannabis criminal-court summonses of the group in the period."),
    "arrest_share": ("Arrest share", "Arrests ÷ (arrests + summonses): the share of enforcement that was a "
                                     "custodial arrest rather than a summons; 95% Wilson interval in ci_low / "
                                     "ci_high."),
    # sources
    "file_name": ("File", "The loaded export file."),
    "dataset": ("Dataset", "arrests or summonses."),
    "edition": ("Edition", "Which export of the dataset the header identifies."),
    "rows_read": ("Rows read", "Data rows in the file."),
    "rows_loaded": ("Loaded", "Rows stored as new or better records."),
    "rows_rejected": ("Rejected", "Rows quarantined with a reason (see the quarantine)."),
    "rows_duplicate": ("Duplicates", "Rows whose record was already stored (same key)."),
    "conflicts": ("Conflicts", "Keys whose copies disagree; the most complete copy is kept."),
    "first_date": ("First date", "Earliest record date in the file."),
    "last_date": ("Last date", "Latest record date in the file."),
    "sha256": ("SHA-256", "Checksum of the file: the data version to cite."),
    "reason": ("Reason", "Why the row was quarantined (the first reason when there are several)."),
    "rows": ("Rows", "Quarantined rows with this reason."),
    "first_line": ("First line", "CSV record number of the first such row in the file (header = 1)."),
    "kept_file": ("Kept file", "The file whose copy of the record was kept."),
    "kept_line": ("Kept line", "CSV record number of the kept copy in its file."),
    "other_file": ("Other file", "The file of the copy that was not kept."),
    "other_line": ("Other line", "CSV record number of the copy that was not kept."),
    "fields": ("Fields", "The columns whose values differ between the two copies."),
    "resolution": ("Resolution", "Why the kept copy won (the more complete; on a tie, the first)."),
    "column_name": ("Column", "The published column the label is in."),
    "label": ("Label", "The label as published, kept verbatim."),
    # records
    "record_key": ("Key", "The record's ARREST_KEY or SUMMONS_KEY as published."),
    "event_date": ("Date", "Arrest or summons date."),
    "code": ("Code", "The law code as published."),
    "description": ("Description", "The offence description as published."),
    "law_section": ("Section", "Penal Law section parsed from the code."),
    "law_subdivision": ("Subdivision", "Penal Law subdivision parsed from the code."),
    "race_group": ("Group", "Race / ethnicity group."),
    "age_band": ("Age", "Age group as published; UNKNOWN when it is not one of the five NYPD bands."),
    "sex_code": ("Sex", "M, F or U (unknown)."),
    "boro_code": ("Borough", "B Bronx, K Brooklyn, M Manhattan, Q Queens, S Staten Island."),
    # trends
    "date": ("Date", "Where the change starts: a law's effective date, or the NYPD's 2018 summons policy."),
    "law": ("Law", "The law the row is about; in the trend tables, the law or policy whose date starts the "
                   "change."),
    "effect": ("Effect", "Level change (the jump at the date) or slope change (the trend after it)."),
    "ratio": ("Ratio", "Multiplicative change: 0.5 halves, 2 doubles."),
    "reading": ("Reading", "Whether the estimate can be read, and why not."),
    "group vs reference": ("Group vs reference", "The rate ratio whose change is estimated: the group's rate "
                                                 "÷ the reference group's."),
    # law (the rules of a regime and their sources; typical situations; "what would happen to me")
    "situation": ("Situation", "A typical set of facts (conduct, amount, ages)."),
    "section": ("Section", "The Penal Law (PL) or Cannabis Law (CL) section and subdivision of the rule."),
    "name": ("Name", "The offence's name in the law."),
    "class": ("Class", "Felony / misdemeanor class, violation, civil fine or lawful."),
    "conduct": ("Conduct", "The conduct the rule covers (possession, sale, public smoking …)."),
    "amount": ("Amount", "The amount band the rule covers."),
    "actor age": ("Actor age", "The ages of the person charged the rule applies to."),
    "fine max ($)": ("Fine max ($)", "Statutory maximum fine, in dollars."),
    "jail max (days)": ("Jail max (days)", "Statutory maximum jail term, in days."),
    "citation": ("Citation", "Address (URL) of the official source."),
    "low": ("Low", "Least serious outcome the charge allows under the law."),
    "central": ("Central", "Outcome under the stated assumptions."),
    "high": ("High", "Most serious outcome the charge allows under the law."),
    "expunged automatically": ("Expunged automatically", "Whether the law expunges the charge's record "
                                                         "automatically."),
    "with prior convictions": ("With prior convictions", "Higher maxima that apply only with prior convictions; "
                               "records do not say how many a person had."),
    "unknown": ("Unknown", "What is not confirmed by primary text for an unverified rule."),
    "other readings": ("Other readings", "Other outcomes the conduct may have (an unverified fine or class, a "
                       "defence the record cannot show): the low bound takes the least serious, the high bound "
                       "the most serious."),
    "source kind": ("Source kind", "Statute, bill text as enacted, court guidance, court opinion or an "
                    "unofficial mirror (used only where no official text could be read)."),
    "quote": ("Quote", "The sentence of the source the rule rests on."),
    "supports": ("Supports", "What this source establishes when a rule needs several (threshold, class, fine)."),
    "more sources": ("More sources", "Further sources of the rule, listed in the table of sources."),
    "verified": ("Verified", "Every modelled attribute matches primary text (read on an official page, or on an "
                 "unofficial copy labelled so)."),
}

#: columns whose names carry a choice of the page (the reference group, a law's name):
#: pattern → (label, meaning, unit), ``{x}`` filled from the name
PATTERNS: tuple[tuple[re.Pattern[str], str, str, str], ...] = (
    (re.compile(r"^ratio vs (?P<x>.+) \(precinct\)$"), "Ratio vs {x} (precinct)",
     "The group's rate in the precinct divided by the {x} rate in the precinct.", "ratio"),
    (re.compile(r"^ratio vs (?P<x>.+) \(city\)$"), "Ratio vs {x} (city)",
     "The group's rate in the city divided by the {x} rate in the city.", "ratio"),
    (re.compile(r"^(?P<x>\d{4}) law$"), "{x} law",
     "What the situation was under the {x} law: class, section and, for a non-criminal outcome, the maximum fine.",
     ""),
)

#: estimate → (lower, upper) columns of its 95% interval. CSV downloads repeat each as ``<estimate>_estimate``,
#: ``<estimate>_lower``, ``<estimate>_upper`` (``present/handoff.py`` :func:`with_intervals`); an interval pair
#: belongs to the first estimate listed that the table has.
INTERVALS: dict[str, tuple[str, str]] = {
    "rate_per_100k": ("rate_ci_low", "rate_ci_high"),
    "rate_ratio": ("ci_low", "ci_high"),
    "ratio": ("ci_low", "ci_high"),
    "arrest_share": ("ci_low", "ci_high"),
}

_RECORDS, _RATE, _RATIO, _SHARE = "records", "per 100,000 residents a year", "ratio", "share 0–1"
#: the unit of a column's values, where one applies (counts, rates, money, dates, shares)
UNITS: dict[str, str] = {
    **{c: _RECORDS for c in ("records", "unmatched", "criminal_as_charged", "count", "expungeable",
                             "expungeable_target", "on_unverified_rules", "precinct count", "arrests", "summonses",
                             "conflicts")},
    **{f"{kind}_{b}": _RECORDS for kind in ("criminal", "violation", "legal", "net_change")
       for b in ("low", "central", "high")},
    **{f"share_of_criminal_{b}": _SHARE for b in ("low", "central", "high")},
    **{c: _RATE for c in ("rate_per_100k", "rate_ci_low", "rate_ci_high", "precinct rate", "city rate")},
    **{c: _RATIO for c in ("rate_ratio", "ratio", "rate_ratio_if_unknown_in_reference",
                           "rate_ratio_if_unknown_in_group", "precinct ÷ city")},
    **{c: _SHARE for c in ("share_of_count", "share_of_population", "arrest_share")},
    "ci_low": "as the row's estimate (ratio or share 0–1)", "ci_high": "as the row's estimate (ratio or share 0–1)",
    "fines_low": "dollars", "fines_high": "dollars", "fine max ($)": "dollars", "jail max (days)": "days",
    "population": "residents", "years": "years",
    "p_value": "probability 0–1", "q_value": "probability 0–1",
    **{c: "rows" for c in ("rows_read", "rows_loaded", "rows_rejected", "rows_duplicate", "rows")},
    **{c: "date" for c in ("first_date", "last_date", "event_date", "date")},
    **{c: "true / false" for c in ("suppressed", "significant", "significant (BH)", "verified",
                                   "expunged automatically")},
}

# the interval columns of CSV downloads: <estimate>_estimate, _lower, _upper (INTERVALS), in the estimate's unit
for _estimate, (_low, _high) in INTERVALS.items():
    _name = COLUMNS[_estimate][0]
    COLUMNS[f"{_estimate}_estimate"] = (f"{_name}, estimate", f"The estimate `{_estimate}`, repeated beside its "
                                        "interval for charting tools (Datawrapper range and error-bar charts).")
    COLUMNS[f"{_estimate}_lower"] = (f"{_name}, 95% CI low", f"Lower limit of the 95% interval of `{_estimate}` "
                                     f"(the same as `{_low}`).")
    COLUMNS[f"{_estimate}_upper"] = (f"{_name}, 95% CI high", f"Upper limit of the 95% interval of `{_estimate}` "
                                     f"(the same as `{_high}`).")
    UNITS.update({f"{_estimate}_{suffix}": UNITS[_estimate] for suffix in ("estimate", "lower", "upper")})
del _estimate, _low, _high, _name


def _entry(column: str) -> tuple[str, str, str] | None:
    """(label, meaning, unit) of a column, from :data:`COLUMNS` or :data:`PATTERNS`."""
    if column in COLUMNS:
        return (*COLUMNS[column], UNITS.get(column, ""))
    for pattern, name, meaning, unit_ in PATTERNS:
        if match := pattern.match(column):
            return name.format(**match.groupdict()), meaning.format(**match.groupdict()), unit_
    return None


def label(column: str) -> str:
    """The header a reader sees: the glossary's, else the name with spaces."""
    entry = _entry(column)
    return entry[0] if entry else column.replace("_", " ")


def describe(column: str) -> str | None:
    """The column's meaning, and its name in CSV downloads; None for a column the glossary does not know."""
    entry = _entry(column)
    return f"{entry[1]} (CSV column `{column}`.)" if entry else None


def unit(column: str) -> str:
    """The unit of the column's values ("records", "per 100,000 residents a year", "dollars" …), or ""."""
    entry = _entry(column)
    return entry[2] if entry else ""


def dictionary(columns) -> list[dict[str, str]]:
    """The data dictionary of a table: one row per column, ``column, label, meaning, unit`` (an empty meaning
    for a column the glossary does not know)."""
    rows = []
    for column in map(str, columns):
        entry = _entry(column)
        rows.append({"column": column, "label": label(column), "meaning": entry[1] if entry else "",
                     "unit": entry[2] if entry else ""})
    return rows


def where(file_name: str, line: int | None) -> str:
    """Where a copy of a record is in its file: ``"a.csv line 5,900"``; a record of a file loaded without
    numbering (every key once in it: docs/data-model.md) is found by its key, ``"a.csv (by its key)"``."""
    return f"{file_name} line {line:,}" if line is not None else f"{file_name} (by its key)"
