-- Re-apply a target regime to the cannabis records of one dataset, by group.
-- In: temp table crosswalk (from nyc_cannabis/projection/project.py: one row per charged regime × section ×
--     subdivision × age band, with the charged class and the low / central / high class under the target);
--     the records of [$start, $end] as cells (nyc_cannabis/ingest/sql/cells/period.sql, with its parameters: $reform_from,
--     $mrta_from, the whole-month window, $sections); $expunge_2019 / $expunge_target: the sections whose
--     records the 2019 law / the target regime expunge automatically.
-- A record's code means what the law said on its date: the charged regime comes from the record's date.
-- Subdivision-level rows are used where the crosswalk has them, else the section-level row.
-- Each bound (low, central, high) sorts every record into criminal, violation or legal (lawful or civil);
-- Fines: the statutory maximum of a violation or civil outcome (criminal sentences are not fines here);
-- per record the smaller and larger of its low- and high-bound fines, summed.
-- on_unverified_rules: records whose bounds rest on a rule marked verified: false in the YAML.
-- records no crosswalk row fits (e.g. a code the law of its date did not have) are counted as unmatched.
-- {{area_by}} adds a second grouping (the disparity statistics count group × borough, precinct or period;
-- 'all_areas' for none); $sections limits the records to those sections (empty list: every cannabis section).
-- Groupings name cell columns: race_group, boro_code, precinct, age_band, sex_code, charged_regime, event_year.
-- precinct_2020: a precinct created after 2020 counted with the 2020 precinct it was carved from ($merged[i] →
-- $into[i], from core/datasets.py PRECINCT_SUCCESSOR: 116 → 105).
WITH {{> cells/period}},
base AS (
    SELECT *, CAST(year(month) AS VARCHAR) AS event_year,
           coalesce(map_extract(map($merged, $into), precinct)[1], precinct) AS precinct_2020,
           '*' AS all_areas
    FROM cannabis
),
records AS (  -- by group × area × code: the crosswalk join and the outcome tests then run on a few thousand rows
    SELECT {{group_by}} AS grp, {{area_by}} AS area,  -- typed here, text after the aggregate (fewer casts)
           law_section, law_subdivision, age_band, charged_regime, sum(n)::BIGINT AS n
    FROM base
    GROUP BY ALL
),
matched AS (
    SELECT CAST(r.grp AS VARCHAR) AS grp, CAST(r.area AS VARCHAR) AS area, r.n,
           coalesce(x.charged_class, y.charged_class) AS charged_class,
           coalesce(x.low_class, y.low_class) AS low_class,
           coalesce(x.central_class, y.central_class) AS central_class,
           coalesce(x.high_class, y.high_class) AS high_class,
           coalesce(x.fine_min, y.fine_min) AS fine_min,
           coalesce(x.fine_max, y.fine_max) AS fine_max,
           coalesce(x.unverified, y.unverified) AS unverified,
           list_contains($expunge_2019, r.law_section) AS expungeable,
           list_contains($expunge_target, r.law_section) AS expungeable_target
    FROM records r
    LEFT JOIN crosswalk x ON x.charged_regime = r.charged_regime AND x.law_section = r.law_section
         AND x.law_subdivision = r.law_subdivision AND x.age_band = r.age_band
    LEFT JOIN crosswalk y ON y.charged_regime = r.charged_regime AND y.law_section = r.law_section
         AND y.law_subdivision IS NULL AND y.age_band = r.age_band
)
SELECT coalesce(grp, 'Unknown') AS "group", area,
       sum(n) AS records,
       coalesce(sum(n) FILTER (WHERE charged_class IS NULL), 0) AS unmatched,
       coalesce(sum(n) FILTER (WHERE list_contains($criminal, charged_class)), 0) AS criminal_as_charged,
       coalesce(sum(n) FILTER (WHERE list_contains($criminal, low_class)), 0) AS criminal_low,
       coalesce(sum(n) FILTER (WHERE list_contains($criminal, central_class)), 0) AS criminal_central,
       coalesce(sum(n) FILTER (WHERE list_contains($criminal, high_class)), 0) AS criminal_high,
       coalesce(sum(n) FILTER (WHERE charged_class LIKE '%felony'), 0) AS felonies_as_charged,
       coalesce(sum(n) FILTER (WHERE charged_class LIKE '%misdemeanor'), 0) AS misdemeanors_as_charged,
       coalesce(sum(n) FILTER (WHERE central_class LIKE '%felony'), 0) AS felonies_central,
       coalesce(sum(n) FILTER (WHERE central_class LIKE '%misdemeanor'), 0) AS misdemeanors_central,
       coalesce(sum(n) FILTER (WHERE low_class = 'violation'), 0) AS violation_low,
       coalesce(sum(n) FILTER (WHERE central_class = 'violation'), 0) AS violation_central,
       coalesce(sum(n) FILTER (WHERE high_class = 'violation'), 0) AS violation_high,
       coalesce(sum(n) FILTER (WHERE low_class IN ('lawful', 'civil')), 0) AS legal_low,
       coalesce(sum(n) FILTER (WHERE central_class IN ('lawful', 'civil')), 0) AS legal_central,
       coalesce(sum(n) FILTER (WHERE high_class IN ('lawful', 'civil')), 0) AS legal_high,
       coalesce(sum(fine_min * n), 0) AS fines_low,
       coalesce(sum(fine_max * n), 0) AS fines_high,
       coalesce(sum(n) FILTER (WHERE expungeable), 0) AS expungeable,
       coalesce(sum(n) FILTER (WHERE expungeable_target), 0) AS expungeable_target,
       coalesce(sum(n) FILTER (WHERE unverified), 0) AS on_unverified_rules
FROM matched
GROUP BY ALL
ORDER BY records DESC, "group", area;
