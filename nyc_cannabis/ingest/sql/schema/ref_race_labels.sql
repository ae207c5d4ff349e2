-- The reference table of race labels → group (nyc_cannabis/core/datasets.py: RACE_LABELS), one statement for all rows.
-- In: $labels, $groups (lists of equal length).
INSERT OR REPLACE INTO ref_race_labels SELECT unnest($labels), unnest($groups);
