-- Courier store, version 5: whether a V2 conversation's topic and key are the deterministic
-- derivation between its two participants (spec §8.3). Nobody else can make that pair, so an
-- invitation that is derived takes a topic over from one that is not (a third party who saw
-- the topic on the network could invite to it with a key of its own and an older time, and be
-- read first on a new device). Rows from before are "not known to be derived": the next
-- derived invitation for their topic confirms or replaces them. Append new files; never edit
-- an applied one.

ALTER TABLE conversations ADD COLUMN key_derived INTEGER NOT NULL DEFAULT 0;
DELETE FROM cursors WHERE topic GLOB '/xmtp/0/invite-*';

-- Consent entries are now known by their ciphertext (salt, nonce, sealed bytes), not their
-- envelope bytes: the ids recorded by version 4 go, and the consent list is read again to record
-- the new ones (entries come back in time order, so an original is seen before any copy of it).
-- A cursor at time 0 compares digests only on the node (§12.5) and may sit past everything:
-- such topics are read again from the start.
DELETE FROM consent_entries;
DELETE FROM cursors WHERE topic GLOB '/xmtp/0/userpreferences-*' OR ts = 0;
