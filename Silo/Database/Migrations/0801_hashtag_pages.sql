-- Hashtag pages read in the order they show (README "Read paths", eleventh pass). GET /api/v1/hashtags/{tag}/ootds
-- used the GIN index on ootd_posts.hashtags, which finds every post with the tag but cannot give them newest first:
-- each page fetched, joined and sorted all of them (2,000 posts with one tag: 856 req/s at 64 connections, p50 73 ms),
-- and a popular tag grew slower with every post. ootd_hashtags holds one row per (tag, live post) in page order, with
-- the post's author (for the reader's state), so a page is a range of its primary key: it reads its rows and stops.
-- A trigger keeps it in step with ootd_posts whoever writes the post row (the post grain, the hashtag repair step,
-- account erasure, a silo of the previous release during a rolling update): a post's rows follow its hashtags and go
-- when it is deleted.
CREATE TABLE IF NOT EXISTS ootd_hashtags (
  tag        text        NOT NULL,
  created_at timestamptz NOT NULL,
  ootd_id    uuid        NOT NULL,
  author_id  uuid        NOT NULL,
  PRIMARY KEY (tag, created_at, ootd_id)
);
CREATE INDEX IF NOT EXISTS ootd_hashtags_post ON ootd_hashtags (ootd_id);

CREATE OR REPLACE FUNCTION ootd_hashtags_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.deleted_at IS NOT NULL THEN
    DELETE FROM ootd_hashtags WHERE ootd_id = NEW.ootd_id;
    RETURN NULL;
  END IF;
  DELETE FROM ootd_hashtags WHERE ootd_id = NEW.ootd_id AND NOT (tag = ANY (coalesce(NEW.hashtags, '{}'::text[])));
  INSERT INTO ootd_hashtags (tag, created_at, ootd_id, author_id)
    SELECT DISTINCT t, NEW.created_at, NEW.ootd_id, NEW.author_id FROM unnest(coalesce(NEW.hashtags, '{}'::text[])) AS t
    ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS ootd_posts_hashtags_sync ON ootd_posts;
CREATE TRIGGER ootd_posts_hashtags_sync AFTER INSERT OR UPDATE OF hashtags, deleted_at ON ootd_posts
  FOR EACH ROW EXECUTE FUNCTION ootd_hashtags_sync();

INSERT INTO ootd_hashtags (tag, created_at, ootd_id, author_id)
  SELECT DISTINCT t, p.created_at, p.ootd_id, p.author_id FROM ootd_posts p, unnest(p.hashtags) AS t
  WHERE p.hashtags IS NOT NULL AND p.deleted_at IS NULL
  ON CONFLICT DO NOTHING;
