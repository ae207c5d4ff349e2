-- Copies that lost within the file plus winners colliding with stored copies: none, no pair to list.
SELECT (SELECT count(*) FROM stage_losers) + (SELECT count(*) FROM stage_collisions);
