-- Recommender serving (DESIGN §5). Every table here can be rebuilt from ootd_items, ootd_posts, follows and the
-- interactions log: the grains read them on activation, the nightly job (RecommenderBatchGrain) rewrites the batch ones.

-- ootd_styles: OOTD style vector s_o (mean of centred item vectors) and tags (hashtags ∪ sub-categories);
-- written by OotdStyleGrain when an OOTD becomes Ready.
CREATE TABLE ootd_styles (
  ootd_id    uuid PRIMARY KEY,
  author_id  uuid NOT NULL,
  created_at timestamptz NOT NULL,
  style      real[] NOT NULL,
  tags       text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ootd_styles_author ON ootd_styles (author_id, created_at DESC);
CREATE INDEX ootd_styles_created ON ootd_styles (created_at DESC);

-- category_stats: running mean item vector μ_c per sub-category; written by CategoryStatsGrain.
CREATE TABLE category_stats (
  sub_category text PRIMARY KEY,
  mean         real[] NOT NULL,
  count        bigint NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now());

-- user_blocks: a blocked user's posts never reach the blocker, and the blocker's never reach them.
CREATE TABLE user_blocks (
  blocker_id uuid NOT NULL,
  blocked_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (blocker_id, blocked_id));
CREATE INDEX user_blocks_blocked ON user_blocks (blocked_id);

-- deleted_users: accounts that are gone; their posts and profiles are never recommended.
-- (main has no account deletion yet; whatever deletes an account inserts here.)
CREATE TABLE deleted_users (
  user_id    uuid PRIMARY KEY,
  deleted_at timestamptz NOT NULL DEFAULT now());

-- rec_users: what the batch needs of a profile (demographic segment, stated style tags); written by FeedGrain.
CREATE TABLE rec_users (
  user_id    uuid PRIMARY KEY,
  segment    text NOT NULL,
  style_tags text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX rec_users_segment ON rec_users (segment);

-- rec_pull_authors: authors above the fan-out follower threshold; their followers pull their posts at read time.
CREATE TABLE rec_pull_authors (
  user_id   uuid PRIMARY KEY,
  followers int NOT NULL,
  since     timestamptz NOT NULL DEFAULT now());

-- Nightly results.
CREATE TABLE rec_idf (
  ootd_id uuid PRIMARY KEY,
  df      int  NOT NULL,
  idf     real NOT NULL);
CREATE TABLE rec_user_neighbours (
  user_id    uuid PRIMARY KEY,
  neighbours uuid[] NOT NULL,
  scores     real[] NOT NULL);
-- rec_curated: ranked lists: 'weekly', 'segment/<segment>', 'leaders/popular', 'leaders/segment/<segment>'.
CREATE TABLE rec_curated (
  list_key text NOT NULL,
  rank     int  NOT NULL,
  item_id  uuid NOT NULL,
  score    real NOT NULL,
  PRIMARY KEY (list_key, rank));
CREATE TABLE rec_batch_runs (
  id           bigserial PRIMARY KEY,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL,
  users        int NOT NULL,
  ootds        int NOT NULL,
  interactions bigint NOT NULL,
  seconds      real NOT NULL);
