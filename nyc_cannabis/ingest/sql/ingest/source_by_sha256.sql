-- The file loaded before with this checksum, if any.
SELECT source_id FROM sources WHERE sha256 = $sha256;
