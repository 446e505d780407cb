#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh: the database, then the media.
#
#   deploy/restore.sh BACKUP_DIR --yes
#
# Without --yes it only checks the backup and says what it would do.
# Everything is checked before anything is touched: the folder, SHA256SUMS,
# that database.dump is a pg_dump archive and media.tar.gz a whole tar.
# Then:
# - the database: pg_restore --clean --if-exists --single-transaction into
#   DATABASE_URL (or PUENTE_BACKUP_DATABASE_URL). One transaction: a restore
#   that fails half-way leaves the database as it was. The database must
#   exist (empty, or the site's own: its tables are replaced).
# - the media: media.tar.gz unpacked into the media folder ($PUENTE_MEDIA_ROOT,
#   default <project>/media), created if missing. Files of the backup replace
#   files of the same name; files it does not have are left where they are.
#
# Stop the web and worker processes first. Afterwards run
# `deploy/entrypoint.sh release` (migrations newer than the backup) and
# `deploy/entrypoint.sh manage search_rebuild --no-progress` (the comment
# index holds what the database held before), then start them again.
set -euo pipefail

say() { echo "restore: $*"; }
fail() {
    echo "restore: error: $*" >&2
    exit 1
}
usage() {
    echo "usage: deploy/restore.sh BACKUP_DIR --yes   (without --yes: check only)" >&2
    exit 2
}
elapsed() {
    local ms=$((($(date +%s%N) - $1) / 1000000))
    printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(dirname "$here")"

backup="" yes=""
for arg in "$@"; do
    case "$arg" in
    --yes) yes=1 ;;
    -h | --help | -*) usage ;;
    *) [ -z "$backup" ] || usage; backup="$arg" ;;
    esac
done
[ -n "$backup" ] || usage

url="${PUENTE_BACKUP_DATABASE_URL:-${DATABASE_URL:-}}"
[ -n "$url" ] || fail "DATABASE_URL is not set (run with the production environment)"
case "$url" in
postgres://* | postgresql://*) ;;
pgsql://* | postgis://*) url="postgresql://${url#*://}" ;;
*) fail "DATABASE_URL must be a postgres:// URL to restore with pg_restore (got '${url%%:*}://...')" ;;
esac
shown="$(printf '%s' "$url" | sed -E 's#^([a-z]+://)[^@/]*@#\1#; s#\?.*$##')"
for tool in pg_restore psql tar gzip sha256sum; do
    command -v "$tool" >/dev/null || fail "$tool not found (Debian: apt-get install postgresql-client tar gzip coreutils)"
done

# --- Check everything before touching anything.
[ -d "$backup" ] || fail "$backup is not a folder (give the puente-<time> folder deploy/backup.sh printed)"
backup="$(cd "$backup" && pwd)"
[ -f "$backup/database.dump" ] || fail "$backup/database.dump is missing: not a backup made by deploy/backup.sh"
if [ -f "$backup/SHA256SUMS" ]; then
    (cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS >/dev/null 2>&1) \
        || fail "$backup does not match its SHA256SUMS (damaged or changed): nothing was restored"
else
    say "warning: $backup has no SHA256SUMS; checking the archives themselves only"
fi
# The whole archive read through (to SQL, thrown away), not only its table of
# contents: a dump cut short past its contents list must be refused here,
# before anything is touched.
pg_restore --file=/dev/null "$backup/database.dump" >/dev/null 2>&1 \
    || fail "$backup/database.dump is not a pg_dump archive pg_restore can read: nothing was restored"
tables=$(pg_restore --list "$backup/database.dump" | grep -c ' TABLE DATA ' || true)
media=""
if [ -f "$backup/media.tar.gz" ]; then
    [ -z "${PUENTE_MEDIA_S3_BUCKET:-}" ] \
        || fail "this backup has media.tar.gz but media are in the S3 bucket $PUENTE_MEDIA_S3_BUCKET: unpack it and copy the files to the bucket yourself"
    tar --list --gzip --file="$backup/media.tar.gz" >/dev/null 2>&1 \
        || fail "$backup/media.tar.gz is not a whole tar.gz archive: nothing was restored"
    media="${PUENTE_MEDIA_ROOT:-$project/media}"
    count=$(tar --list --gzip --file="$backup/media.tar.gz" | grep -vc '/$' || true)
fi
psql --no-psqlrc --quiet --tuples-only --command='select 1' "$url" >/dev/null 2>&1 \
    || fail "cannot connect to the database $shown (create it first: createdb): nothing was restored"

if [ -z "$yes" ]; then
    say "backup $backup is whole: $tables tables${media:+, $count media files}"
    say "would replace the database $shown${media:+ and unpack the media into $media}"
    say "nothing done: run again with --yes to restore"
    exit 0
fi

# --- Restore.
started=$(date +%s%N)
pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
    --exit-on-error --dbname="$url" "$backup/database.dump" \
    || fail "pg_restore into $shown failed and was rolled back: the database is as it was"
say "database $shown <- $backup/database.dump ($tables tables, $(elapsed "$started") s)"

if [ -n "$media" ]; then
    started=$(date +%s%N)
    mkdir -p "$media" || fail "cannot create the media folder $media"
    tar --extract --gzip --file="$backup/media.tar.gz" --directory="$media" --no-same-owner \
        || fail "unpacking media.tar.gz into $media failed"
    say "media $media <- $backup/media.tar.gz ($count files, $(elapsed "$started") s)"
else
    say "this backup has no media.tar.gz: media left as they are"
fi
say "done. Next: deploy/entrypoint.sh release; deploy/entrypoint.sh manage search_rebuild --no-progress; then start web and worker"
