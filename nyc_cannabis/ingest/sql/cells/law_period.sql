-- Fragment: the law in force on the record's date (a code means what the law said on that date).
CASE WHEN {{date}} < $reform_from THEN 'old-1977' WHEN {{date}} < $mrta_from THEN 'reform-2019' ELSE 'mrta-2021' END
