-- One dataset's cannabis cells (nyc_cannabis/ingest/cells.py): its cannabis records counted by calendar month × law
-- period of the record's date × Penal Law code × age band × group × sex × borough × precinct. The dashboard
-- and the statistics read these instead of the records; ingest keeps them in step in the file's transaction.
CREATE TABLE IF NOT EXISTS {{cells}} (
    month           DATE NOT NULL,      -- first day of the calendar month
    charged_regime  VARCHAR NOT NULL,   -- the law in force on the records' dates (a cell never spans two)
    law_section     VARCHAR,
    law_subdivision SMALLINT,
    age_band        VARCHAR NOT NULL,
    race_group      VARCHAR NOT NULL,
    sex_code        VARCHAR NOT NULL,
    boro_code       VARCHAR,
    precinct        INTEGER,
    first_date      DATE NOT NULL,      -- earliest and latest record date in the cell
    last_date       DATE NOT NULL,
    n               BIGINT NOT NULL     -- records
);
