-- Race and borough labels the translators do not know (kept verbatim, grouped as Unknown / no borough).
-- (An unknown race label is always grouped Unknown: that test first spares the label test on most rows.)
SELECT 'arrests' AS dataset, 'PERP_RACE' AS column_name, perp_race AS label, count(*) AS records
FROM arrests WHERE race_group = 'Unknown' AND perp_race IS NOT NULL AND upper(perp_race) NOT IN (SELECT label FROM ref_race_labels) GROUP BY ALL
UNION ALL
SELECT 'summonses', 'RACE', race, count(*)
FROM summonses WHERE race_group = 'Unknown' AND race IS NOT NULL AND upper(race) NOT IN (SELECT label FROM ref_race_labels) GROUP BY ALL
UNION ALL
SELECT 'arrests', 'ARREST_BORO', arrest_boro, count(*)
FROM arrests WHERE arrest_boro IS NOT NULL AND boro_code IS NULL GROUP BY ALL
UNION ALL
SELECT 'summonses', 'BORO', boro, count(*)
FROM summonses WHERE boro IS NOT NULL AND boro_code IS NULL GROUP BY ALL
ORDER BY records DESC;
