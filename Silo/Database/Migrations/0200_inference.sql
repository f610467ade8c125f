-- Inference results and photo fingerprints (serving of the AI pipeline).

-- ootd_items: the analysed items of each OOTD with the vectors the search and the recommender read
-- (the grain state keeps only what a post shows: boxes, categories, attributes). Written by IOotdGrain.
CREATE TABLE ootd_items (
  ootd_id           uuid     NOT NULL,
  item_no           smallint NOT NULL,
  super_category    text     NOT NULL,
  sub_category      text     NOT NULL,
  box               real[]   NOT NULL,   -- x0, y0, x1, y1 in photo pixels
  embedding         real[]   NOT NULL,   -- 128-d, L2-normalised (visual search)
  sub_probabilities real[]   NOT NULL,   -- classifier, 32 sub-categories in taxonomy order
  attribute_vector  real[]   NOT NULL,   -- tagger outputs, manifest order
  backbone_features real[]   NOT NULL,   -- ResNet18 512-d the heads read
  analysed_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ootd_id, item_no));
CREATE INDEX ootd_items_sub ON ootd_items (sub_category);

-- ootd_fingerprints: the photo of each post (SHA-256 media id and 64-bit DCT perceptual hash) for duplicate checks
-- per author. Written by IOotdGrain before it persists a new post.
CREATE TABLE ootd_fingerprints (
  ootd_id    uuid   PRIMARY KEY,
  author_id  uuid   NOT NULL,
  media_id   text   NOT NULL,
  phash      bigint,               -- NULL when the photo has too little structure for a meaningful pHash
  created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ootd_fingerprints_author ON ootd_fingerprints (author_id);
