-- Headline counts for `info`.
SELECT (SELECT count(*) FROM arrests) AS arrests,
       (SELECT count(*) FROM summonses) AS summonses,
       (SELECT count(*) FROM quarantine) AS quarantined,
       least((SELECT min(arrest_date) FROM arrests), (SELECT min(summons_date) FROM summonses)) AS first_date,
       greatest((SELECT max(arrest_date) FROM arrests), (SELECT max(summons_date) FROM summonses)) AS last_date,
       coalesce((SELECT bool_or(synthetic) FROM sources), false) AS synthetic;
