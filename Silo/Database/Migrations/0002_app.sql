-- The application tables both the silo and the API use (contract: notes/schema.md).

-- accounts: written by the API (sign-up, token); the user profile lives in IUserGrain state.
CREATE TABLE accounts (
  user_id       uuid PRIMARY KEY,
  username      text NOT NULL,
  username_key  text NOT NULL UNIQUE,      -- lower(username)
  password_hash text NOT NULL,
  roles         text[] NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now());

-- media: photo bytes keyed by SHA-256 (hex, lower case); written by the API on upload.
CREATE TABLE media (
  id           text PRIMARY KEY,
  content_type text NOT NULL,
  width        int  NOT NULL,
  height       int  NOT NULL,
  byte_length  int  NOT NULL,
  bytes        bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now());

-- interactions: append-only log; written by the grains that own the interaction.
CREATE TABLE interactions (
  id        bigserial PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  user_id   uuid NOT NULL,
  kind      smallint NOT NULL,   -- Ootd.Grains.Common.InteractionKind
  target_id text NOT NULL,       -- OOTD id, user id or product id as text
  weight    real NOT NULL DEFAULT 1);
CREATE INDEX interactions_user_at ON interactions (user_id, at);
CREATE INDEX interactions_target ON interactions (target_id);
-- the OOTD grain counts its views on activation
CREATE INDEX interactions_target_kind ON interactions (target_id, kind);

-- follows: the follow graph (source of truth for follower pages); written by IUserGrain.
CREATE TABLE follows (
  follower_id uuid NOT NULL,
  followee_id uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (follower_id, followee_id));
CREATE INDEX follows_followee ON follows (followee_id, created_at DESC);
-- following pages, newest first
CREATE INDEX follows_follower ON follows (follower_id, created_at DESC);

-- ootd_likes: who liked what (idempotent likes); written by IOotdGrain.
CREATE TABLE ootd_likes (
  ootd_id    uuid NOT NULL,
  user_id    uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ootd_id, user_id));

-- ootd_posts: one row per post (for paging and batch jobs); written by IOotdGrain.
CREATE TABLE ootd_posts (
  ootd_id    uuid PRIMARY KEY,
  author_id  uuid NOT NULL,
  media_id   text NOT NULL,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz);
CREATE INDEX ootd_posts_author ON ootd_posts (author_id, created_at DESC);
-- global newest-first paging of live posts
CREATE INDEX ootd_posts_live_created ON ootd_posts (created_at DESC) WHERE deleted_at IS NULL;
