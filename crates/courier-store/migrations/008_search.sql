-- Courier store, version 8: full-text search over what messages show (their text, which is a
-- reply's text too) and the file names of their attachments. Append new files; never edit an
-- applied one.
--
-- `message_search` is a contentless FTS5 index (the texts stay in `messages` only; without
-- `contentless_delete`, which made indexing 1.5 times as slow: rows are taken out with FTS5's
-- 'delete' command and the values they were indexed with) whose rowid
-- is the message's `search_key`: its sent millisecond times 1,024 plus a slot in it, so
-- walking the index by descending rowid walks messages newest first and a search stops after
-- the first page of hits (no sort of every match of a common word). Milliseconds are capped at
-- 2^52 so the key stays below 2^62. `conv` holds one token per conversation ('ꙮ' and the topic in
-- hex; nobody types that letter, so it never crowds the prefix indexes a user's query reads) for
-- searches within one. Case and diacritics fold (unicode61 remove_diacritics 2); prefixes of 2
-- and 3 characters are indexed, so a query being typed stays fast.
--
-- The index is written once per transaction, not once per message: FTS5 writes its pending
-- terms out at every statement that touches it, so a message at a time made one small segment
-- each (a cold sync of 10,000 messages took 60% longer). Triggers note which messages are new,
-- changed or gone (`search_pending`, `search_gone`); `Store::write` indexes them all in a few
-- statements before it commits.

CREATE VIRTUAL TABLE message_search USING fts5(
    body, file, conv,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);

-- The index's terms, to turn a long prefix into the few words it begins.
CREATE VIRTUAL TABLE message_search_terms USING fts5vocab(message_search, 'row');

ALTER TABLE messages ADD COLUMN search_key INTEGER;

-- Existing history: keys by millisecond and by order within it, then the index.
CREATE TEMP TABLE search_backfill AS
    SELECT rowid AS r, min(sent_ns / 1000000, 4503599627370496) AS s,
           row_number() OVER (PARTITION BY min(sent_ns / 1000000, 4503599627370496) ORDER BY sent_ns, rowid) - 1 AS n
    FROM messages;
UPDATE messages SET search_key = (SELECT s * 1024 + n FROM search_backfill WHERE r = messages.rowid AND n < 1024);
-- A millisecond with more than 1,024 messages: the rest go above every key.
UPDATE messages SET search_key = (SELECT max(search_key) FROM messages) + rowid WHERE search_key IS NULL;
DROP TABLE search_backfill;
CREATE UNIQUE INDEX messages_by_search_key ON messages (search_key);
INSERT INTO message_search (rowid, body, file, conv)
    SELECT search_key, preview, CASE WHEN json_valid(attachment) THEN json_extract(attachment, '$.filename') END,
           'ꙮ' || hex(topic)
    FROM messages;

-- Messages (by row) to index before the transaction commits, and what to take out of the index:
-- a contentless index forgets its texts, so taking a row out names the values it was indexed
-- with (FTS5's 'delete' command). Those are the row's values before the change, if it was
-- indexed; a row written in this transaction (still pending) was not, and names nothing.
CREATE TABLE search_pending (message INTEGER PRIMARY KEY);
CREATE TABLE search_gone (key INTEGER PRIMARY KEY, body TEXT, file TEXT, conv TEXT);

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    INSERT OR IGNORE INTO search_pending (message) VALUES (new.rowid);
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF preview, attachment, topic, search_key ON messages BEGIN
    INSERT OR IGNORE INTO search_gone (key, body, file, conv)
        SELECT old.search_key, old.preview,
               CASE WHEN json_valid(old.attachment) THEN json_extract(old.attachment, '$.filename') END,
               'ꙮ' || hex(old.topic)
        WHERE old.search_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM search_pending WHERE message = old.rowid);
    INSERT OR IGNORE INTO search_pending (message) VALUES (new.rowid);
END;

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    INSERT OR IGNORE INTO search_gone (key, body, file, conv)
        SELECT old.search_key, old.preview,
               CASE WHEN json_valid(old.attachment) THEN json_extract(old.attachment, '$.filename') END,
               'ꙮ' || hex(old.topic)
        WHERE old.search_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM search_pending WHERE message = old.rowid);
    DELETE FROM search_pending WHERE message = old.rowid;
END;
