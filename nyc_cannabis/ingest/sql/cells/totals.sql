-- How many cells one dataset's cells table holds and how many records they count.
SELECT count(*), coalesce(sum(n), 0)::BIGINT FROM {{cells}};
