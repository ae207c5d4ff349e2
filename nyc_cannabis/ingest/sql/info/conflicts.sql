-- Keys whose copies disagreed, which copy was kept and why.
SELECT c.dataset, c.record_key, k.file_name AS kept_file, c.kept_line, o.file_name AS other_file,
       c.other_line, c.fields, c.resolution
FROM conflicts c
JOIN sources k ON k.source_id = c.kept_source_id
JOIN sources o ON o.source_id = c.other_source_id
ORDER BY c.dataset, c.record_key, c.other_line;
