-- Per-viewer adaptive feed quotas (issue 16): which feed source placed each post on a user's page (the first source
-- that did). The feed compares, per source, how many of the entries the user saw they liked, and gives the sources
-- they like more of the page (Grains/Recommendation/README.md). Written by the FeedGrain per page served, read by key
-- (the user's most recent rows, LIMIT), erased with the account.
CREATE TABLE rec_served (
  user_id   uuid        NOT NULL,
  ootd_id   uuid        NOT NULL,
  source    smallint    NOT NULL,
  served_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, ootd_id));
CREATE INDEX rec_served_recent ON rec_served (user_id, served_at DESC);
