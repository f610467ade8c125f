-- The body shape a profile declares, mirrored to rec_users with the segment and style tags (issue 16, cold start from
-- the profile): the nightly job ranks, per shape, the best posts among the interactions of the users who declared it
-- (curated list 'shape/<shape>'), and a new user's profile prior takes that list's best posts at half weight. The
-- value is the API's camel-case enum name ('pear', 'invertedTriangle'); NULL when no shape was declared (such users
-- are in no shape list, and a silo of the previous release writes rows without it). Written by the user grain's taste
-- facet when the profile's shape changes, deleted with the row by account erasure.
ALTER TABLE rec_users ADD COLUMN IF NOT EXISTS body_shape text;
