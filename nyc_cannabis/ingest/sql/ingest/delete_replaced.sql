-- Stored copies that a more complete copy in this file replaces.
DELETE FROM {{stored}} WHERE {{key}} IN (SELECT record_key FROM stage_pairs WHERE replaces);
