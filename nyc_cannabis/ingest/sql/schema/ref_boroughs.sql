-- The reference table of borough spellings → code and name (nyc_cannabis/core/datasets.py: BOROUGHS), one statement.
-- In: $spellings, $codes, $names (lists of equal length).
INSERT OR REPLACE INTO ref_boroughs SELECT unnest($spellings), unnest($codes), unnest($names);
