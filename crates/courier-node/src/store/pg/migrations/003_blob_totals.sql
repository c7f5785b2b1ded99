-- Running totals of attachment bytes, so that an upload reserves its bytes with a short
-- row update instead of summing `blobs` under a global lock while 32 MiB are sent: a
-- reservation is taken and committed first, the blob inserted after (and the reservation
-- given back if the insert does not happen). Deletes subtract in their own transaction.
CREATE TABLE blob_total (
    id    int PRIMARY KEY CHECK (id = 1),
    bytes bigint NOT NULL
);
INSERT INTO blob_total SELECT 1, coalesce(sum(size), 0) FROM blobs;
CREATE TABLE blob_usage (
    uploader text COLLATE "C" PRIMARY KEY,
    bytes    bigint NOT NULL
);
INSERT INTO blob_usage SELECT uploader, sum(size) FROM blobs GROUP BY uploader;
