-- Courier store, version 7: people and conversation controls. The user's own names for peers,
-- and per conversation: pinned, muted, archived, marked unread. All of it is local: the XMTP
-- V1/V2 protocol has no place for names, pins or mutes (only the consent list is shared between
-- devices, spec §11.2), so none of it leaves this computer. Append new files; never edit an
-- applied one.

CREATE TABLE contact_names (
    address  TEXT PRIMARY KEY,
    name     TEXT NOT NULL
);

ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
ALTER TABLE conversations ADD COLUMN muted INTEGER NOT NULL DEFAULT 0 CHECK (muted IN (0, 1));
ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
ALTER TABLE conversations ADD COLUMN marked_unread INTEGER NOT NULL DEFAULT 0 CHECK (marked_unread IN (0, 1));
