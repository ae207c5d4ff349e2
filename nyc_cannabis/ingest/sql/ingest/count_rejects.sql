-- How many rejected-record errors the reader collected (0: no record-number shift to compute).
SELECT count(*) FROM stage_rejects;
