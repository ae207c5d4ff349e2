-- Files of the other kind (synthetic demo vs real) already in the database: they must never mix.
SELECT count(*) FROM sources WHERE synthetic <> $synthetic;
