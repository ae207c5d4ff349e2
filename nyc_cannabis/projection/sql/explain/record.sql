-- One record by key, from either dataset, with the columns the explanation needs.
SELECT 'arrests' AS dataset, arrest_key AS record_key, arrest_date AS event_date, law_code AS code,
       coalesce(pd_desc, ofns_desc) AS description, law_section, law_subdivision, is_cannabis, age_band,
       race_group, boro_code, arrest_precinct AS precinct, s.file_name, line
FROM arrests JOIN sources s USING (source_id) WHERE arrest_key = $key
UNION ALL
SELECT 'summonses', summons_key, summons_date, law_section_number, offense_description, law_section,
       law_subdivision, is_cannabis, age_band, race_group, boro_code, precinct_of_occur, s.file_name, line
FROM summonses JOIN sources s USING (source_id) WHERE summons_key = $key;
