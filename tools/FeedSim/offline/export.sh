#!/usr/bin/env bash
# Exports what the offline content analyses read from a FeedSim database (after a tools/feedsim.sh run, which leaves
# its database in place until the next run): posts, their media sizes, detected items, style rows; and the sha256 of
# every CCP photo (a post's media id is the sha256 of the uploaded bytes, so each post maps back to its CCP photo and
# labels without anything from the simulator), and the viewers' views and likes. Usage: export.sh DB OUTDIR   (PostgreSQL on OOTD_PG_PORT, default 25499)
set -euo pipefail
DB="$1"; OUT="$2"; mkdir -p "$OUT"
export PGPASSWORD="${OOTD_PG_PASSWORD:-ootd}"
q() { psql -h 127.0.0.1 -p "${OOTD_PG_PORT:-25499}" -U ootd -d "$DB" -AtF'|' -c "$1"; }
q "SELECT ootd_id, media_id FROM ootd_posts" > "$OUT/posts.txt"
q "SELECT id, width, height FROM media" > "$OUT/media.txt"
q "SELECT ootd_id, item_no, super_category, sub_category, array_to_string(box, ','), array_to_string(sub_probabilities, ',') FROM ootd_items" > "$OUT/items.txt"
q "SELECT ootd_id, array_to_string(tags, ','), array_to_string(style[1:32], ',') FROM ootd_styles" > "$OUT/styles.txt"
CCP="$(cd "$(dirname "$0")/../../.." && pwd)/../shared/datasets/ccp"
(cd "${OOTD_CCP:-$CCP}/photos" && sha256sum *.jpg) > "$OUT/sha.txt"

# The simulated viewers' views (kind 1) and likes (kind 2), oldest first, for rounds.py.
q "SELECT a.username, i.target_id, i.kind, extract(epoch FROM i.at) FROM interactions i JOIN accounts a ON a.user_id = i.user_id
   WHERE a.username LIKE 'fs%v%' AND i.kind IN (1, 2) ORDER BY i.at, i.id" > "$OUT/interactions.txt"
wc -l "$OUT"/*.txt
