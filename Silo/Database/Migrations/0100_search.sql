-- Visual search: the source of truth for the HNSW search shards (ISearchShardGrain).
-- One row per (index, item). An item's vector lives here; shards rebuild their graphs from these rows on activation
-- and every night. Deleting an item marks the row (deleted = true, vector cleared) so that shards loaded from an older
-- snapshot notice the change: every write takes a new value from item_vectors_version_seq, and a shard reuses a
-- snapshot only when max(version) and the row count of its slice are what they were when the snapshot was written.
--   index_name      vector set: 'products', later e.g. 'ootd-style'
--   item_key        the item's id in that set (product id, OOTD item id)
--   super_category  the scope a query searches ('top', 'shoes', ...)
--   sub_category    finer category, returned with hits and usable as a filter
--   route_bucket    top 31 bits of FNV-1a-64(item_key); shard = route_bucket % shard count (ShardRouting)
--   vector          float4 embedding (NULL once deleted)
-- Idempotent: safe to run again.
CREATE SEQUENCE IF NOT EXISTS item_vectors_version_seq;

CREATE TABLE IF NOT EXISTS item_vectors (
    index_name     text        NOT NULL,
    item_key       text        NOT NULL,
    super_category text        NOT NULL,
    sub_category   text        NOT NULL DEFAULT '',
    route_bucket   integer     NOT NULL CHECK (route_bucket >= 0),
    vector         real[]      NULL CHECK (deleted OR vector IS NOT NULL),
    deleted        boolean     NOT NULL DEFAULT false,
    version        bigint      NOT NULL DEFAULT nextval('item_vectors_version_seq'),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (index_name, item_key)
);

CREATE INDEX IF NOT EXISTS item_vectors_scope_idx ON item_vectors (index_name, super_category, route_bucket);
