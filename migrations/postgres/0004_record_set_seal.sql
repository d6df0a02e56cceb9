-- A complete snapshot's seal: an Ed25519 signature binding its id, its signed records_sha256
-- and the address of its record set. With it, comparing two snapshots checks only the records
-- that differ between them instead of rehashing both whole. Snapshots kept before this column
-- have none and are checked whole.
ALTER TABLE evidence_snapshots ADD COLUMN record_set_seal TEXT;
