-- Drop one of this connection's temporary views.
DROP VIEW IF EXISTS temp.{{view}};
