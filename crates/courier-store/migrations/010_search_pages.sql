-- Courier store, version 10: the search index's leaves fill the store's pages. Append new files;
-- never edit an applied one.
--
-- FTS5 writes leaves of about 4,050 bytes (its `pgsz`). In the encrypted store a page holds
-- 8,144 bytes (8 KiB less SQLCipher's IV and HMAC), and a leaf is often a little over 4,050
-- bytes, so two seldom fitted: most pages of the index held one leaf and were half empty, and
-- every page read is authenticated and decrypted. Leaves of up to 7,900 bytes fill a page each
-- and stay below the size at which SQLite moves a row's end to an overflow page (8,109 bytes).
-- Segments written from now on use it; older ones are rewritten as FTS5 merges them.
INSERT INTO message_search (message_search, rank) VALUES ('pgsz', 7900);
