-- Fragment (included into a WITH clause): `cannabis`, the cannabis records of [$start, $end] as cells.
-- Whole calendar months [$whole_from, $whole_to] come from the cells table; the days of a partly covered
-- first or last month (outside [$whole_from, $whole_end]) come from the records themselves, as cells of one
-- record each. So the counts equal the records' counts for any dates (nyc_cannabis/ingest/cells.py: window).
-- In: $start, $end, $whole_from, $whole_to, $whole_end, $sections (empty: every cannabis section),
--     $reform_from, $mrta_from.
cannabis AS (
    SELECT month, charged_regime, law_section, law_subdivision, age_band, race_group, sex_code, boro_code,
           precinct, first_date, last_date, n
    FROM {{cells}}
    WHERE month BETWEEN $whole_from AND $whole_to
      AND (len($sections) = 0 OR list_contains($sections, law_section))
    UNION ALL
    SELECT date_trunc('month', {{date}})::DATE,
           {{> cells/law_period}},
           law_section, law_subdivision, age_band, race_group, sex_code, boro_code, {{precinct}},
           {{date}}, {{date}}, 1
    FROM {{table}}
    WHERE is_cannabis AND {{date}} BETWEEN $start AND $end
      AND NOT ({{date}} BETWEEN $whole_from AND $whole_end)
      AND (len($sections) = 0 OR list_contains($sections, law_section))
)
