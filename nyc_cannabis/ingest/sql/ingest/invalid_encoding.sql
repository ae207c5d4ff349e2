-- The first record that is not valid UTF-8 (NULL: none); such a file is refused whole.
SELECT min(line) FROM stage_rejects
WHERE error_type IN ('INVALID ENCODING', 'INVALID UNICODE');
