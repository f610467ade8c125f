-- Products that fit the wearer (issue 11 §4), the search part: item_vectors.audience is ProductAudience.Code (bits 0-1
-- gender: 0 unknown, 1 women, 2 men, 3 unisex; bit 2 kids' wear), carried into the search shards so a query can filter
-- its graph walk to the products that fit the wearer; 0 for every other index. Its own migration so the search layer
-- (0100 + 0105) stands without the catalogue's tables; 0411 fills it from products.audience.
ALTER TABLE item_vectors ADD COLUMN IF NOT EXISTS audience smallint NOT NULL DEFAULT 0;
