-- One disagreeing pair of copies of a key, with the fields that differ (not stored twice when a file is
-- loaded again). In: $dataset, $key, $ks / $kl (kept copy's source and line), $os / $ol (the other copy's),
-- $fields, $resolution.
INSERT INTO conflicts
SELECT $dataset, $key, $ks, $kl, $os, $ol, $fields, $resolution
WHERE NOT EXISTS (SELECT 1 FROM conflicts WHERE dataset = $dataset AND record_key = $key
                  AND kept_source_id = $ks AND kept_line = $kl
                  AND other_source_id = $os AND other_line = $ol);
