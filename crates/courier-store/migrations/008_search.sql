-- Courier store, version 8: full-text search over what messages show (their text, which is a
-- reply's text too) and the file names of their attachments. Append new files; never edit an
-- applied one.
--
-- `message_search` is a contentless FTS5 index (the texts stay in `messages` only) whose rowid
-- is the message's `search_key`: its sent second times 65,536 plus its row number's low 16 bits,
-- so walking the index by descending rowid walks messages newest first and a search stops
-- after the first page of hits (no sort of every match of a common word). A key already taken
-- (more than 65,536 messages stored between two of the same second) takes the largest key + 1.
-- Seconds are capped at 2^40 (year 36,812) so the key stays an integer.
-- `conv` holds one token per conversation ('ꙮ' and the topic in hex; nobody types that letter,
-- so it never crowds the prefix indexes a user's query reads) for searches within one.
-- Case and diacritics fold (unicode61 remove_diacritics 2); prefixes of 2 and 3 characters are
-- indexed, so a query being typed stays fast.

CREATE VIRTUAL TABLE message_search USING fts5(
    body, file, conv,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);

ALTER TABLE messages ADD COLUMN search_key INTEGER;

-- Existing history: keys by second and by order within the second, then the index.
CREATE TEMP TABLE search_backfill AS
    SELECT rowid AS r, min(sent_ns / 1000000000, 1099511627776) AS s,
           row_number() OVER (PARTITION BY min(sent_ns / 1000000000, 1099511627776) ORDER BY sent_ns, rowid) - 1 AS n
    FROM messages;
UPDATE messages SET search_key = (SELECT s * 65536 + n FROM search_backfill WHERE r = messages.rowid AND n < 65536);
-- A second with more than 65,536 messages: the rest go above every key.
UPDATE messages SET search_key = (SELECT max(search_key) FROM messages) + rowid WHERE search_key IS NULL;
DROP TABLE search_backfill;
CREATE UNIQUE INDEX messages_by_search_key ON messages (search_key);
INSERT INTO message_search (rowid, body, file, conv)
    SELECT search_key, preview, CASE WHEN json_valid(attachment) THEN json_extract(attachment, '$.filename') END, 'ꙮ' || hex(topic) FROM messages;

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
    UPDATE messages SET search_key = (
        SELECT CASE WHEN EXISTS (SELECT 1 FROM messages WHERE search_key = k.v)
                    THEN (SELECT max(search_key) + 1 FROM messages) ELSE k.v END
        FROM (SELECT min(new.sent_ns / 1000000000, 1099511627776) * 65536 + (new.rowid & 65535) AS v) k
    ) WHERE rowid = new.rowid;
    INSERT INTO message_search (rowid, body, file, conv)
        SELECT search_key, new.preview, CASE WHEN json_valid(new.attachment) THEN json_extract(new.attachment, '$.filename') END, 'ꙮ' || hex(new.topic)
        FROM messages WHERE rowid = new.rowid;
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF preview, attachment ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.search_key;
    INSERT INTO message_search (rowid, body, file, conv)
        VALUES (new.search_key, new.preview, CASE WHEN json_valid(new.attachment) THEN json_extract(new.attachment, '$.filename') END, 'ꙮ' || hex(new.topic));
END;

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
    DELETE FROM message_search WHERE rowid = old.search_key;
END;
