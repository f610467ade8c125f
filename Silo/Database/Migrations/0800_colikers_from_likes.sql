-- Co-likers are counted from ootd_likes when a feed reads them (RecommendationStore.CoLikersAsync: a user's most
-- recent likes, each post's most recent other likers) instead of being kept per pair: rec_colikers cost each like up
-- to 2 × 500 upserts and made likes the slowest write (README "Read paths", ninth pass). Its counts are derived data;
-- the likes they came from stay.
DROP TABLE IF EXISTS rec_colikers;
-- The user's most recent likes (replaces ootd_likes_user; still serves account erasure's DELETE by user).
CREATE INDEX ootd_likes_user_recent ON ootd_likes (user_id, created_at DESC);
DROP INDEX IF EXISTS ootd_likes_user;
-- Each post's most recent likers, read without visiting the table.
CREATE INDEX ootd_likes_post_recent ON ootd_likes (ootd_id, created_at DESC) INCLUDE (user_id);
