-- The highest relay sequence number the pruning deleted: a replica whose position is below
-- it has missed rows it can no longer read, and ends its subscriptions (clients re-query).
CREATE TABLE relay_pruned (
    id      int PRIMARY KEY CHECK (id = 1),
    through bigint NOT NULL
);
INSERT INTO relay_pruned VALUES (1, 0);
