-- Catalog: retail products that OOTD items link to (visual search "shop" side).
-- One row per product, keyed by the shop's own id (used as is). The image bytes live in media (by SHA-256); the
-- product's embedding lives in item_vectors (index 'products', item_key = product_id), the source of truth of the
-- search shards. Written by IProductGrain only.
--   status            0 analyzing, 1 ready (indexed), 2 failed (analysis_error says why)
--   category_hint     what the shop said (e.g. 'Tshirts', 'jeans', 'shoes'); optional
--   super_category /  where the product is filed: the hint when it names a taxonomy category, else the classifier
--   sub_category
--   predicted_sub     the classifier's sub-category for the image (kept to compare with the hint)
--   photo_kind        0 single-product shot (whole image = the item), 1 worn / scene photo (detector picks the item)
CREATE TABLE IF NOT EXISTS products (
  product_id     text        PRIMARY KEY CHECK (length(product_id) BETWEEN 1 AND 128),
  title          text        NOT NULL,
  brand          text        NOT NULL DEFAULT '',
  price          numeric(14, 2) NULL CHECK (price IS NULL OR price >= 0),
  currency       text        NULL CHECK (currency IS NULL OR currency ~ '^[A-Z]{3}$'),
  shop_url       text        NULL,
  media_id       text        NOT NULL,
  category_hint  text        NULL,
  photo_kind     smallint    NOT NULL DEFAULT 0,
  status         smallint    NOT NULL DEFAULT 0,
  super_category text        NULL,
  sub_category   text        NULL,
  predicted_sub  text        NULL,
  analysis_error text        NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now());

CREATE INDEX IF NOT EXISTS products_category ON products (super_category, sub_category) WHERE status = 1;
CREATE INDEX IF NOT EXISTS products_status ON products (status);
