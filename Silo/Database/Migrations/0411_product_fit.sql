-- Products that fit the wearer (issue 11 §4).
-- products.audience: who the product is for: 'women', 'men', 'unisex', 'girls', 'boys', 'kids' (kids' wear of either
--   gender) or NULL (not known). Written by IProductGrain from the shop's optional gender field, else from the title
--   (ProductAudience.Resolve); rows saved before this migration get the title's reading below.
-- products.colour / products.traits: the tagger's colour and the labels of its other attribute groups ("group=label":
--   a categorical group's top label, a multi-label group's labels; gender and colour left out) of the product image, for the colour and attribute agreement terms of
--   the similar-products ranking. NULL = saved before this migration (agreement 0 until the product is saved again).
-- item_vectors.audience (added by 0105_search_audience) is filled below from products.audience.
ALTER TABLE products ADD COLUMN IF NOT EXISTS audience text;
ALTER TABLE products ADD COLUMN IF NOT EXISTS colour text;
ALTER TABLE products ADD COLUMN IF NOT EXISTS traits text[];

UPDATE products SET audience = CASE
    WHEN title ~* '\m(kids?|infants?|baby|babies|toddlers?|junior)\M' OR title ~* '\m(girls?|boys?)\M' THEN
      CASE WHEN title ~* '\m(unisex)\M' THEN 'kids'
           WHEN title ~* '\m(girls?|women|womens|woman|ladies|female)\M' AND NOT title ~* '\m(boys?|men|mens|man|male)\M' THEN 'girls'
           WHEN title ~* '\m(boys?|men|mens|man|male)\M' AND NOT title ~* '\m(girls?|women|womens|woman|ladies|female)\M' THEN 'boys'
           ELSE 'kids' END
    WHEN title ~* '\m(unisex)\M' THEN 'unisex'
    WHEN title ~* '\m(women|womens|woman|ladies|female)\M' AND NOT title ~* '\m(men|mens|man|male)\M' THEN 'women'
    WHEN title ~* '\m(men|mens|man|male)\M' AND NOT title ~* '\m(women|womens|woman|ladies|female)\M' THEN 'men'
  END
WHERE audience IS NULL;

UPDATE item_vectors v SET audience = CASE p.audience
    WHEN 'women' THEN 1 WHEN 'men' THEN 2 WHEN 'unisex' THEN 3 WHEN 'girls' THEN 5 WHEN 'boys' THEN 6 WHEN 'kids' THEN 7 ELSE 0 END,
  version = nextval('item_vectors_version_seq')
FROM products p
WHERE v.index_name = 'products' AND v.item_key = p.product_id AND p.audience IS NOT NULL;
