"""What each column of the engine's tables means, in words a reader can quote.

The tables keep their machine names (``criminal_low``) in CSV downloads, the JSON of the CLI and the reporter
pack, so scripts and earlier downloads keep working; the dashboard shows :func:`label` as the header and
:func:`describe` as the header's tooltip. One entry per column name, shared by every table that has it.
"""

from __future__ import annotations

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
    "rate_ci_low": ("Rate, 95% CI low", "Lower limit of the exact (Garwood) 95% interval of the rate."),
    "rate_ci_high": ("Rate, 95% CI high", "Upper limit of the exact (Garwood) 95% interval of the rate."),
    "rate_ratio": ("Rate ratio", "The group's rate divided by the reference group's rate."),
    "ci_low": ("95% CI low", "Lower limit of the 95% confidence interval of the ratio."),
    "ci_high": ("95% CI high", "Upper limit of the 95% confidence interval of the ratio."),
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
    "law": ("Law", "The law or policy whose date starts the change."),
    "effect": ("Effect", "Level change (the jump at the date) or slope change (the trend after it)."),
    "ratio": ("Ratio", "Multiplicative change: 0.5 halves, 2 doubles."),
    "reading": ("Reading", "Whether the estimate can be read, and why not."),
    # law (the rules of a regime and their sources)
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


def label(column: str) -> str:
    """The header a reader sees: the glossary's, else the name with spaces."""
    entry = COLUMNS.get(column)
    return entry[0] if entry else column.replace("_", " ")


def describe(column: str) -> str | None:
    """The column's meaning, and its name in CSV downloads; None for a column the glossary does not know."""
    entry = COLUMNS.get(column)
    return f"{entry[1]} (CSV column `{column}`.)" if entry else None
