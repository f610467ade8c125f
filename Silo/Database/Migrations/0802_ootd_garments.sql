-- ootd_garments: the garments a post's photo shows, by the garment-presence head (models/garments.onnx, issue 16):
-- CCP garment names ("skirt", "tights", "hat", …) with their probabilities, in the head's label order. Written with
-- the post's ootd_items by IOotdGrain when its analysis is stored; the recommender reads them with the style rows
-- (features of the learned taste model). A post analysed without the head, or a product photo, has no row.
CREATE TABLE IF NOT EXISTS ootd_garments (
  ootd_id       uuid   PRIMARY KEY,
  labels        text[] NOT NULL,
  probabilities real[] NOT NULL,
  analysed_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (cardinality(labels) = cardinality(probabilities)));
