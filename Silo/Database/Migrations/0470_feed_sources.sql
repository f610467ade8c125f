-- Feed sources (issue 16): live co-liker neighbours for the user-based source, and a tag index for the profile prior.

-- rec_colikers: how many posts two users both liked; written incrementally by the liker's UserGrain (TasteProfile)
-- on each like (both directions, at most 500 earlier likers of the post), read by the feed's user-based source
-- (top neighbours by likes). Erased with either account.
CREATE TABLE rec_colikers (
  user_id      uuid NOT NULL,
  neighbour_id uuid NOT NULL,
  likes        int  NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, neighbour_id));
CREATE INDEX rec_colikers_top ON rec_colikers (user_id, likes DESC, updated_at DESC);
CREATE INDEX rec_colikers_neighbour ON rec_colikers (neighbour_id);

-- The profile prior reads the newest posts carrying a declared style tag (tags && $1).
CREATE INDEX ootd_styles_tags ON ootd_styles USING gin (tags);
