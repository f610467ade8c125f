#!/usr/bin/env bash
# Exits 0 when the PostgreSQL named by the Npgsql-style connection string $1 answers.
set -euo pipefail
cs="${1:-}"
get() { echo "$cs" | tr ';' '\n' | grep -i "^$1=" | head -1 | cut -d= -f2-; }
host="$(get Host)"; port="$(get Port)"; user="$(get Username)"; pass="$(get Password)"; db="$(get Database)"
command -v psql >/dev/null || exit 1
PGPASSWORD="$pass" PGCONNECT_TIMEOUT=3 psql -h "${host:-127.0.0.1}" -p "${port:-5432}" -U "${user:-ootd}" -d "${db:-ootd}" -tAc "SELECT 1" >/dev/null 2>&1
