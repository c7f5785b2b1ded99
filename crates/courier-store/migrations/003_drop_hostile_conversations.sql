-- Courier store, version 3: conversations on topics no conversation can have. Builds before
-- this one accepted an invitation naming any topic: a V1 conversation's, the own invite or intro
-- topic, or no XMTP topic at all. Such a row came from a hostile invitation and hides real
-- messages (they were opened with the wrong key and skipped). The rows go, with their cursors;
-- messages go only where the topic is no XMTP topic at all. The own invite and intro topics are
-- read again from the start, so real conversations come back (reading them again stores nothing
-- twice). Append new files; never edit an applied one.

CREATE TEMP TABLE hostile AS
    SELECT topic FROM conversations
    WHERE NOT ((version = 2 AND topic GLOB '/xmtp/0/m-*') OR (version = 1 AND topic GLOB '/xmtp/0/dm-*'))
       OR topic GLOB '*[^!-~]*'
       OR length(topic) > 300;
DELETE FROM messages WHERE topic IN (SELECT topic FROM hostile) AND topic NOT GLOB '/xmtp/0/*';
DELETE FROM cursors WHERE topic IN (SELECT topic FROM hostile);
DELETE FROM conversations WHERE topic IN (SELECT topic FROM hostile);
DELETE FROM cursors WHERE topic GLOB '/xmtp/0/invite-*' OR topic GLOB '/xmtp/0/intro-*';
DROP TABLE hostile;
