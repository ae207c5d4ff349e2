-- An optional column the file lacks, as NULL (recorded in sources.missing_columns): the view {{view}} is
-- {{prev}} plus that column. The name and type come from the schema allow-list, never from the file.
CREATE OR REPLACE TEMP VIEW {{view}} AS SELECT *, NULL::{{type}} AS {{column}} FROM {{prev}};
