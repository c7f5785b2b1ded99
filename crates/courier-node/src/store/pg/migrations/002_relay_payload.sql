-- Ephemeral messages of the relay log, written before the relay lock is taken, so that the
-- lock (nextval to commit) covers only small rows: a relay row points at its payload.
-- Deleted by age with the relay rows (both carry the transaction's now()).
CREATE TABLE relay_payload (
    id      bigserial PRIMARY KEY,
    message bytea NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE relay_payload ALTER COLUMN message SET STORAGE EXTERNAL;
CREATE INDEX relay_payload_by_age ON relay_payload (at);
ALTER TABLE relay ADD COLUMN payload bigint;
