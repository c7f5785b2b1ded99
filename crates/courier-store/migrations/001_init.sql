-- Courier store, version 1. Append new files; never edit an applied one.

CREATE TABLE conversations (
    topic            TEXT PRIMARY KEY,
    version          INTEGER NOT NULL CHECK (version IN (1, 2)),
    peer             TEXT NOT NULL,
    created_ns       INTEGER NOT NULL,
    conversation_id  TEXT NOT NULL DEFAULT '',
    metadata         TEXT NOT NULL DEFAULT '{}',
    -- V2 key material sealed with a key derived from the identity key (never in the clear).
    key_sealed       BLOB,
    consent_proof    BLOB,
    last_read_ns     INTEGER NOT NULL DEFAULT 0,
    draft            TEXT NOT NULL DEFAULT '',
    last_message_ns  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_by_activity ON conversations (last_message_ns DESC);
CREATE INDEX conversations_by_peer ON conversations (peer);

CREATE TABLE messages (
    id            TEXT PRIMARY KEY,
    topic         TEXT NOT NULL,
    sender        TEXT NOT NULL,
    sent_ns       INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    content       BLOB NOT NULL,
    preview       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed', 'received'))
);
CREATE INDEX messages_by_topic ON messages (topic, sent_ns, id);

CREATE TABLE cursors (
    topic   TEXT PRIMARY KEY,
    ts      INTEGER NOT NULL,
    digest  BLOB NOT NULL
);

CREATE TABLE outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id    TEXT NOT NULL,
    envelopes     BLOB NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE contacts (
    address     TEXT PRIMARY KEY,
    bundle      BLOB NOT NULL,
    fetched_ms  INTEGER NOT NULL
);

CREATE TABLE consent (
    address     TEXT PRIMARY KEY,
    state       TEXT NOT NULL CHECK (state IN ('allowed', 'denied', 'unknown')),
    updated_ns  INTEGER NOT NULL
);
