-- The arrest records as everything but the loader reads them: arrests_raw + the derived model.
CREATE OR REPLACE VIEW arrests AS
{{> records/arrests}};
