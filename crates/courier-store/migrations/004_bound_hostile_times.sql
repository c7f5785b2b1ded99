-- Courier store, version 4: times from the future, and consent entries counted once.
-- Builds before this one stored a sender's time as it came: a message dated next year pinned
-- its conversation to the top of the list, and a cursor moved to a future envelope hid every
-- message sent after it. Times more than five minutes ahead of now become now; cursors in the
-- future are dropped, so their topics are read again from the start (nothing is stored twice).
-- The consent list is read again from the start too, to record which sealed entries were seen:
-- a republished copy of an old entry then counts for nothing. Append new files; never edit an
-- applied one.

CREATE TEMP TABLE bound AS
    SELECT (CAST(strftime('%s', 'now') AS INTEGER) + 300) * 1000000000 AS latest,
           CAST(strftime('%s', 'now') AS INTEGER) * 1000000000 AS now;
UPDATE messages SET sent_ns = (SELECT now FROM bound) WHERE sent_ns > (SELECT latest FROM bound);
UPDATE conversations SET created_ns = (SELECT now FROM bound) WHERE created_ns > (SELECT latest FROM bound);
UPDATE conversations SET last_message_ns = (SELECT now FROM bound) WHERE last_message_ns > (SELECT latest FROM bound);
DELETE FROM cursors WHERE ts > (SELECT latest FROM bound) OR topic GLOB '/xmtp/0/userpreferences-*';
DROP TABLE bound;

-- SHA-256 of every consent entry applied.
CREATE TABLE consent_entries (
    digest  BLOB PRIMARY KEY
) WITHOUT ROWID;
