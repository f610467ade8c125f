-- Live feed streams (issue 14): a user whose feed has a live subscriber (GET /api/v1/feed/stream) until expires_at,
-- renewed while the stream is open. Authors above Recommender:FanOutFollowerLimit are pull-only, yet their new posts
-- are still pushed to the followers listed here (a join with follows), so a connected follower sees them at once.
CREATE TABLE IF NOT EXISTS feed_streams (
  user_id    uuid PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
