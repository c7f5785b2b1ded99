-- Envelopes: one table keyed (topic, timestamp, digest) like the reference node's index on
-- (topic, sender time, id). Timestamps are u64 shifted by 2^63 into bigint (order kept).
-- Messages are ciphertext: stored without compression.
CREATE TABLE envelopes (
    topic   text COLLATE "C" NOT NULL,
    ts      bigint NOT NULL,
    digest  bytea  NOT NULL,
    message bytea  NOT NULL,
    PRIMARY KEY (topic, ts, digest)
);
ALTER TABLE envelopes ALTER COLUMN message SET STORAGE EXTERNAL;

-- The relay log: every accepted publish (duplicates and ephemeral envelopes included) in
-- commit order, for live delivery across replicas. `seq` is taken from relay_seq under a
-- transaction-level advisory lock held until commit, so a reader of `seq > last` never skips
-- a row that commits later. Stored envelopes are referenced; ephemeral ones carry their
-- message. Rows older than the retention are deleted.
CREATE SEQUENCE relay_seq;
CREATE TABLE relay (
    seq     bigint PRIMARY KEY,
    topic   text COLLATE "C" NOT NULL,
    ts      bigint NOT NULL,
    digest  bytea  NOT NULL,
    message bytea,
    at      timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE relay ALTER COLUMN message SET STORAGE EXTERNAL;
CREATE INDEX relay_by_age ON relay (at);

-- Attachment blobs (issue #13), read a slice at a time: out of line, uncompressed, so that
-- substring() reads only the chunks it needs.
CREATE TABLE blobs (
    digest     bytea  PRIMARY KEY,
    uploader   text   NOT NULL,
    size       bigint NOT NULL,
    created_ns bigint NOT NULL,
    data       bytea  NOT NULL
);
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX blobs_by_uploader ON blobs (uploader, size);
CREATE INDEX blobs_by_age ON blobs (created_ns);
