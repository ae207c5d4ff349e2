-- The database: one table per dataset, plus provenance (sources), rejected rows (quarantine),
-- disagreeing copies of a key (conflicts), reference tables and meta. Documented in docs/data-model.md.
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

CREATE TABLE IF NOT EXISTS arrests (
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
    -- derived (nyc_cannabis/ingest/sql/staging/arrests.sql)
    race_group        VARCHAR NOT NULL,
    age_band          VARCHAR NOT NULL,
    sex_code          VARCHAR NOT NULL,
    boro_code         VARCHAR,
    law_article       SMALLINT,
    law_section       VARCHAR,
    law_subdivision   SMALLINT,
    is_cannabis       BOOLEAN NOT NULL,
    -- provenance
    source_id         INTEGER NOT NULL,
    line              BIGINT NOT NULL,
    completeness      TINYINT NOT NULL
);

CREATE TABLE IF NOT EXISTS summonses (
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
    -- derived (nyc_cannabis/ingest/sql/staging/summonses.sql)
    race_group            VARCHAR NOT NULL,
    age_band              VARCHAR NOT NULL,
    sex_code              VARCHAR NOT NULL,
    boro_code             VARCHAR,
    law_article           SMALLINT,
    law_section           VARCHAR,
    law_subdivision       SMALLINT,
    is_cannabis           BOOLEAN NOT NULL,
    -- provenance
    source_id             INTEGER NOT NULL,
    line                  BIGINT NOT NULL,
    completeness          TINYINT NOT NULL
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
    kept_line       BIGINT NOT NULL,
    other_source_id INTEGER NOT NULL,
    other_line      BIGINT NOT NULL,
    fields          VARCHAR[] NOT NULL,   -- columns whose values differ
    resolution      VARCHAR NOT NULL      -- why the kept copy won
);

CREATE TABLE IF NOT EXISTS ref_race_labels (label VARCHAR PRIMARY KEY, race_group VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ref_boroughs (spelling VARCHAR PRIMARY KEY, boro_code VARCHAR NOT NULL, boro_name VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS ref_age_bands (age_band VARCHAR PRIMARY KEY);

-- The cannabis cells tables (arrests_cells, summonses_cells) are created by nyc_cannabis/ingest/cells.py from
-- nyc_cannabis/ingest/sql/cells/table.sql.
