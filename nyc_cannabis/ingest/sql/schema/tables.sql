-- The database: one table per dataset, plus provenance (sources), rejected rows (quarantine),
-- disagreeing copies of a key (conflicts), reference tables and meta. Documented in docs/data-model.md.
--
-- Each dataset's records are stored as published (<dataset>_raw: the columns typed, plus source_id and line);
-- the view named after the dataset (arrests, summonses: schema/records_view.sql over records/<dataset>.sql)
-- adds the derived model (race group, age band, sex, borough, Penal Law section, cannabis flag,
-- completeness), computed where it is read. Everything but the loader reads the views.
--
-- line: the record's number in its file. A file loaded on the fast path (every key once in the file and new
-- to the database, every row valid) is not numbered: there the file (source_id) and the key identify the row
-- exactly, and line is NULL. A file with a repeated key, a stored key or an invalid row is numbered, and
-- line is set on its records (as on its quarantined rows and conflicts, always).
CREATE TABLE IF NOT EXISTS meta (
    name  VARCHAR PRIMARY KEY,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS sources (
    source_id       INTEGER PRIMARY KEY,
    file_name       VARCHAR NOT NULL,
    path            VARCHAR NOT NULL,
    sha256          VARCHAR NOT NULL UNIQUE,
    bytes           BIGINT NOT NULL,
    dataset         VARCHAR NOT NULL,
    edition         VARCHAR NOT NULL,
    header          VARCHAR[] NOT NULL,
    ignored_columns VARCHAR[] NOT NULL,
    missing_columns VARCHAR[] NOT NULL,
    synthetic       BOOLEAN NOT NULL,
    rows_read       BIGINT NOT NULL,
    rows_loaded     BIGINT NOT NULL,
    rows_rejected   BIGINT NOT NULL,
    rows_duplicate  BIGINT NOT NULL,
    conflicts       BIGINT NOT NULL,
    first_date      DATE,
    last_date       DATE,
    ingested_at     TIMESTAMP NOT NULL,
    tool_version    VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS arrests_raw (
    -- as published (NYPD Arrests Data, 8h9b-rp9u / uip8-fykc); labels verbatim, numbers and dates typed
    arrest_key        VARCHAR NOT NULL,
    arrest_date       DATE NOT NULL,
    pd_cd             INTEGER,
    pd_desc           VARCHAR,
    ky_cd             INTEGER,
    ofns_desc         VARCHAR,
    law_code          VARCHAR,
    law_cat_cd        VARCHAR,
    arrest_boro       VARCHAR,
    arrest_precinct   INTEGER,
    jurisdiction_code INTEGER,
    age_group         VARCHAR,
    perp_sex          VARCHAR,
    perp_race         VARCHAR,
    x_coord_cd        DOUBLE,
    y_coord_cd        DOUBLE,
    latitude          DOUBLE,
    longitude         DOUBLE,
    geo_point         VARCHAR,
    -- provenance
    source_id         INTEGER NOT NULL,
    line              BIGINT            -- CSV record number (header = 1); NULL: not numbered (see below)
);

CREATE TABLE IF NOT EXISTS summonses_raw (
    -- as published (NYPD Criminal Court Summons, sv2w-rv3k / mv4k-y93f)
    summons_key           VARCHAR NOT NULL,
    summons_date          DATE NOT NULL,
    offense_description   VARCHAR,
    law_section_number    VARCHAR,
    law_description       VARCHAR,
    summons_category_type VARCHAR,
    age_group             VARCHAR,
    sex                   VARCHAR,
    race                  VARCHAR,
    jurisdiction_code     INTEGER,
    boro                  VARCHAR,
    precinct_of_occur     INTEGER,
    x_coordinate_cd       DOUBLE,
    y_coordinate_cd       DOUBLE,
    latitude              DOUBLE,
    longitude             DOUBLE,
    geo_point             VARCHAR,
    -- provenance
    source_id             INTEGER NOT NULL,
    line                  BIGINT         -- as in arrests_raw
);

CREATE TABLE IF NOT EXISTS quarantine (
    source_id INTEGER NOT NULL,
    dataset   VARCHAR NOT NULL,
    line      BIGINT NOT NULL,      -- CSV record number, header = 1
    reason    VARCHAR NOT NULL,
    raw       VARCHAR               -- the row as read: JSON of its fields, or the raw text when unsplittable
);

CREATE TABLE IF NOT EXISTS conflicts (
    dataset         VARCHAR NOT NULL,
    record_key      VARCHAR NOT NULL,
    kept_source_id  INTEGER NOT NULL,
    kept_line       BIGINT,               -- NULL: from a file that was not numbered (the key identifies it)
    other_source_id INTEGER NOT NULL,
    other_line      BIGINT,               -- likewise
    fields          VARCHAR[] NOT NULL,   -- columns whose values differ
    resolution      VARCHAR NOT NULL      -- why the kept copy won
);

CREATE TABLE IF NOT EXISTS ref_race_labels (label VARCHAR PRIMARY KEY, race_group VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ref_boroughs (spelling VARCHAR PRIMARY KEY, boro_code VARCHAR NOT NULL, boro_name VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ref_age_bands (age_band VARCHAR PRIMARY KEY);

-- The cannabis cells tables (arrests_cells, summonses_cells) are created by nyc_cannabis/ingest/cells.py from
-- nyc_cannabis/ingest/sql/cells/table.sql.
