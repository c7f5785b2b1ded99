-- Courier store, version 6: rich conversations. A message may reply to another and may carry an
-- attachment; reactions and read receipts are not messages but state folded into their targets.
-- Append new files; never edit an applied one.

ALTER TABLE messages ADD COLUMN reply_to TEXT;
-- JSON {filename, mime_type, size, remote} of the attachment a message carries, NULL if none.
ALTER TABLE messages ADD COLUMN attachment TEXT;

-- The newest reaction of each sender with each emoji on each message: added or removed. A newer
-- one (by time, then id) replaces it; the same one again changes nothing.
CREATE TABLE reactions (
    target   TEXT NOT NULL,
    sender   TEXT NOT NULL,
    emoji    TEXT NOT NULL,
    topic    TEXT NOT NULL,
    added    INTEGER NOT NULL CHECK (added IN (0, 1)),
    sent_ns  INTEGER NOT NULL,
    id       TEXT NOT NULL,
    PRIMARY KEY (target, sender, emoji)
);
CREATE INDEX reactions_by_topic ON reactions (topic, target);

-- How far each participant has read each conversation (the newest read receipt's time).
CREATE TABLE read_receipts (
    topic    TEXT NOT NULL,
    sender   TEXT NOT NULL,
    read_ns  INTEGER NOT NULL,
    PRIMARY KEY (topic, sender)
);

-- Files of remote attachments, once downloaded, checked and decrypted.
CREATE TABLE attachment_files (
    message_id  TEXT PRIMARY KEY,
    data        BLOB NOT NULL
);

-- Earlier versions stored reactions, read receipts, replies and attachments as plain messages:
-- they are listed here, and the engine reads each one's content again when it opens the store
-- (a reaction becomes a reaction, a reply gains its reference, …) and takes it off the list.
-- Nothing is deleted here: the node may no longer have them.
CREATE TABLE reclassify (id TEXT PRIMARY KEY);
INSERT INTO reclassify (id)
    SELECT id FROM messages WHERE
        content_type LIKE 'xmtp.org/reaction:%' OR content_type LIKE 'xmtp.org/readReceipt:%'
        OR content_type LIKE 'xmtp.org/reply:%' OR content_type LIKE 'xmtp.org/attachment:%'
        OR content_type LIKE 'xmtp.org/remoteStaticAttachment:%';
