-- What the client app needs (issue 12): user search and author summaries, hashtag pages, resized photo variants,
-- refresh tokens, comments, product browsing.

-- accounts: the display name and avatar beside the username, so user search and author summaries on posts are one
-- query. Written by the API on sign-up, profile changes and avatar uploads (the profile itself stays in the user
-- grain); NULL display_name = not copied yet (filled from the grain on first read).
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS display_name text;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS avatar_media_id text;
CREATE INDEX IF NOT EXISTS accounts_username_prefix ON accounts (username_key text_pattern_ops);
CREATE INDEX IF NOT EXISTS accounts_display_name_prefix ON accounts (lower(display_name) text_pattern_ops);

-- ootd_posts.hashtags: the post's hashtags in lower case, for hashtag pages; written by IOotdGrain with the post row.
-- NULL = not filled yet (posts made before this migration; the recommender batch's repair step activates them).
ALTER TABLE ootd_posts ADD COLUMN IF NOT EXISTS hashtags text[];
CREATE INDEX IF NOT EXISTS ootd_posts_hashtags ON ootd_posts USING gin (hashtags) WHERE deleted_at IS NULL;

-- media_variants: resized copies of a media row (photos, product images, avatars), keyed by the original's SHA-256
-- and the width; a cache: any row can be dropped and is made again on the next request.
CREATE TABLE IF NOT EXISTS media_variants (
  media_id     text NOT NULL,
  width        int  NOT NULL,
  content_type text NOT NULL,
  height       int  NOT NULL,
  bytes        bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (media_id, width));

-- refresh_tokens: one row per issued refresh token (only its SHA-256 is stored). A token is used once: refreshing
-- marks it used and issues the next of its family; presenting a used or revoked token revokes the whole family.
CREATE TABLE IF NOT EXISTS refresh_tokens (
  token_hash  text PRIMARY KEY,
  user_id     uuid NOT NULL,
  family_id   uuid NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  revoked_at  timestamptz);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens (user_id);

-- ootd_comments: comments on posts; written by IOotdCommentsGrain (one per post), which also logs the Comment
-- interaction. Deleting sets deleted_at.
CREATE TABLE IF NOT EXISTS ootd_comments (
  comment_id uuid PRIMARY KEY,
  ootd_id    uuid NOT NULL,
  author_id  uuid NOT NULL,
  body       text NOT NULL,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz);
CREATE INDEX IF NOT EXISTS ootd_comments_post ON ootd_comments (ootd_id, created_at, comment_id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS ootd_comments_author ON ootd_comments (author_id);

-- products.gender: who the shop's title says the product is for ('female', 'male', 'unisex' or NULL when the title
-- does not say), for the gender filter of product browsing.
ALTER TABLE products ADD COLUMN IF NOT EXISTS gender text GENERATED ALWAYS AS (
  CASE WHEN title ~* '\m(unisex)\M' THEN 'unisex'
       WHEN title ~* '\m(women|womens|woman|girls|girl|ladies)\M' THEN 'female'
       WHEN title ~* '\m(men|mens|man|boys|boy)\M' THEN 'male' END) STORED;
CREATE INDEX IF NOT EXISTS products_browse ON products (product_id) WHERE status = 1;
