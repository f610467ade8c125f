# Sourced by run.sh and test.sh: the local PostgreSQL connection, in one place. The hosts read
# ConnectionStrings__Postgres (or their appsettings.json); the tests read OOTD_PG. No .cs file holds a password.
#   OOTD_PG_PORT  port of the project's own PostgreSQL (scripts/pg.sh; default 25432, below the ephemeral range)
#   OOTD_PG       a full Npgsql connection string; default: the scripts/pg.sh server on OOTD_PG_PORT
#   OOTD_PG_PASSWORD  the password scripts/pg.sh gives the 'ootd' user (default ootd: a local development server)
export OOTD_PG_PORT="${OOTD_PG_PORT:-25432}"
export OOTD_PG_PASSWORD="${OOTD_PG_PASSWORD:-ootd}"
export OOTD_PG="${OOTD_PG:-Host=127.0.0.1;Port=$OOTD_PG_PORT;Username=ootd;Password=$OOTD_PG_PASSWORD;Database=ootd}"
