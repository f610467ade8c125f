-- Account deletion (DELETE /api/v1/users/me, Grains/Users/AccountErasure): the erase step finds a user's likes by
-- user id. Every other table it touches is already indexed by the user (follows both ways, interactions_user_at,
-- ootd_posts_author, the primary keys of user_blocks and the rec_* tables).
CREATE INDEX IF NOT EXISTS ootd_likes_user ON ootd_likes (user_id);
