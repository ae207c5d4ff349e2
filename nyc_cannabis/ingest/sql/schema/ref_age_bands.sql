-- The published age bands (nyc_cannabis/core/datasets.py: AGE_BANDS, less UNKNOWN), one statement.
-- In: $bands.
INSERT OR REPLACE INTO ref_age_bands SELECT unnest($bands);
