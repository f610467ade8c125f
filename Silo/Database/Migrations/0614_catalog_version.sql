-- Catalogue version (issue 14): a post keeps its items' similar products with it and recomputes them only when the
-- catalogue has changed since. Any statement that changes products, and any change of a row of the 'products' vector
-- index, takes the next value of catalog_version_seq; silos read its last_value (Catalog:SimilarProducts:VersionPollSeconds).
CREATE SEQUENCE IF NOT EXISTS catalog_version_seq;

CREATE OR REPLACE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('catalog_version_seq');
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS products_catalog_version ON products;
CREATE TRIGGER products_catalog_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON products
  FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump();

DROP TRIGGER IF EXISTS item_vectors_catalog_version_write ON item_vectors;
CREATE TRIGGER item_vectors_catalog_version_write AFTER INSERT OR UPDATE ON item_vectors
  FOR EACH ROW WHEN (NEW.index_name = 'products') EXECUTE FUNCTION catalog_version_bump();

DROP TRIGGER IF EXISTS item_vectors_catalog_version_delete ON item_vectors;
CREATE TRIGGER item_vectors_catalog_version_delete AFTER DELETE ON item_vectors
  FOR EACH ROW WHEN (OLD.index_name = 'products') EXECUTE FUNCTION catalog_version_bump();
