#!/usr/bin/env bash
# Back up Puente: the database (pg_dump --format=custom of DATABASE_URL) and
# the uploaded files (a tar of the media folder), into a new folder.
#
#   deploy/backup.sh [DEST]
#
# DEST is where backups go: the argument, else $PUENTE_BACKUP_DIR, else
# ./backups. Each run writes DEST/puente-<UTC time>/ with
#   database.dump   pg_dump --format=custom (restore with deploy/restore.sh)
#   media.tar.gz    the media folder ($PUENTE_MEDIA_ROOT, default <project>/media);
#                   left out when media live in S3 ($PUENTE_MEDIA_S3_BUCKET set):
#                   back the bucket up with its own versioning or replication
#   SHA256SUMS      checked by deploy/restore.sh before it touches anything
# The folder is written under a hidden name and renamed when complete, so a
# puente-* folder is always a whole backup.
#
# Environment: the production one (DATABASE_URL at least). PgBouncer in
# transaction mode cannot serve pg_dump: set PUENTE_BACKUP_DATABASE_URL to the
# server's own address. Needs pg_dump of the server's major version or newer
# (Debian: postgresql-client), tar, gzip and sha256sum.
# The database is dumped first: every file a dumped row names was on disk
# before the tar began (one uploaded in between is an unused extra file).
set -euo pipefail

say() { echo "backup: $*"; }
fail() {
    echo "backup: error: $*" >&2
    exit 1
}

# Seconds since $1 (date +%s%N), with one decimal.
elapsed() {
    local ms=$((($(date +%s%N) - $1) / 1000000))
    printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(dirname "$here")"

if [ $# -gt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
    echo "usage: deploy/backup.sh [DEST]   (default: \$PUENTE_BACKUP_DIR, else ./backups)" >&2
    exit 2
fi

url="${PUENTE_BACKUP_DATABASE_URL:-${DATABASE_URL:-}}"
[ -n "$url" ] || fail "DATABASE_URL is not set (run with the production environment)"
case "$url" in
postgres://* | postgresql://*) ;;
pgsql://* | postgis://*) url="postgresql://${url#*://}" ;;
*) fail "DATABASE_URL must be a postgres:// URL to back up with pg_dump (got '${url%%:*}://...')" ;;
esac
# What to print: the URL without its user and password.
shown="$(printf '%s' "$url" | sed -E 's#^([a-z]+://)[^@/]*@#\1#; s#\?.*$##')"

for tool in pg_dump pg_restore tar gzip sha256sum; do
    command -v "$tool" >/dev/null || fail "$tool not found (Debian: apt-get install postgresql-client tar gzip coreutils)"
done

dest="${1:-${PUENTE_BACKUP_DIR:-backups}}"
mkdir -p "$dest" || fail "cannot create $dest"
dest="$(cd "$dest" && pwd)"
name="puente-$(date -u +%Y%m%dT%H%M%SZ)"
[ ! -e "$dest/$name" ] || fail "$dest/$name already exists (one backup per second at most)"
work="$dest/.$name.partial"
rm -rf "$work"
mkdir "$work"
trap 'rm -rf "$work"' EXIT

started=$(date +%s%N)
pg_dump --format=custom --no-owner --no-privileges --file="$work/database.dump" "$url" \
    || fail "pg_dump of $shown failed (nothing was written)"
tables=$(pg_restore --list "$work/database.dump" | grep -c ' TABLE DATA ' || true)
say "database $shown -> $dest/$name/database.dump" \
    "($(du -h "$work/database.dump" | cut -f1), $tables tables," \
    "$(elapsed "$started") s)"

files=(database.dump)
if [ -n "${PUENTE_MEDIA_S3_BUCKET:-}" ]; then
    say "media are in the S3 bucket $PUENTE_MEDIA_S3_BUCKET: not archived here (use the bucket's versioning or replication)"
else
    media="${PUENTE_MEDIA_ROOT:-$project/media}"
    started=$(date +%s%N)
    if [ -d "$media" ]; then
        count=$(find "$media" -type f | wc -l)
        set +e
        tar --create --gzip --file="$work/media.tar.gz" --directory="$media" \
            --warning=no-file-changed --warning=no-file-removed .
        status=$?
        set -e
        # GNU tar: 1 means a file changed or vanished while it was read (an
        # upload or a rendition being written); the archive is still whole.
        [ $status -le 1 ] || fail "tar of $media failed (status $status)"
    else
        count=0
        tar --create --gzip --file="$work/media.tar.gz" --files-from=/dev/null
        say "media folder $media does not exist yet: archiving no files"
    fi
    files+=(media.tar.gz)
    say "media $media -> $dest/$name/media.tar.gz" \
        "($(du -h "$work/media.tar.gz" | cut -f1), $count files," \
        "$(elapsed "$started") s)"
fi

(cd "$work" && sha256sum "${files[@]}" >SHA256SUMS)
mv "$work" "$dest/$name"
trap - EXIT
say "done: $dest/$name"
