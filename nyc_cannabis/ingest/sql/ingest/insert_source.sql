-- A newly loaded file, with its accounting (column order of `sources` in nyc_cannabis/ingest/sql/schema/tables.sql).
INSERT INTO sources VALUES ($id, $name, $path, $sha, $bytes, $dataset, $edition, $header, $ignored,
                            $missing, $synthetic, $read, $loaded, $rejected, $dup, $conflicts, $first, $last,
                            $at, $version);
