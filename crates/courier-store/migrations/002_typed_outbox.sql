-- Courier store, version 2: an outbox item says what it publishes. Consent-list updates were
-- queued under a made-up message id `consent-<peer>`; they become kind 'consent' with no
-- message. Append new files; never edit an applied one.

CREATE TABLE outbox_v2 (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL CHECK (kind IN ('message', 'consent')),
    message_id    TEXT CHECK ((kind = 'message') = (message_id IS NOT NULL)),
    envelopes     BLOB NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT ''
);
INSERT INTO outbox_v2 (seq, kind, message_id, envelopes, attempts, next_attempt, last_error)
    SELECT seq,
           CASE WHEN message_id LIKE 'consent-%' THEN 'consent' ELSE 'message' END,
           CASE WHEN message_id LIKE 'consent-%' THEN NULL ELSE message_id END,
           envelopes, attempts, next_attempt, last_error
    FROM outbox ORDER BY seq;
DROP TABLE outbox;
ALTER TABLE outbox_v2 RENAME TO outbox;
