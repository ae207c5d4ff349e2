-- A statement whose only use is to replace an unfinished result on a session's cursor (ui/data.py: idle).
SELECT 1;
