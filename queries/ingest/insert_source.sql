-- A newly loaded file, with its accounting (column order of `sources` in queries/schema/tables.sql).
INSERT INTO sources VALUES ($id, $name, $path, $sha, $bytes, $dataset, $edition, $header, $ignored,
                            $missing, $synthetic, $read, $loaded, $rejected, $dup, $conflicts, $first, $last,
                            $at, $version);
