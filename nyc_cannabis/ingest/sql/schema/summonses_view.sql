-- The summons records as everything but the loader reads them: summonses_raw + the derived model.
CREATE OR REPLACE VIEW summonses AS
{{> records/summonses}};
