# Sourced by the tools/*/build.sh and install scripts: the one per-user cache root outside the repository
# (CI runs in a fresh clone, so only such a cache survives; a new machine rebuilds) and the one build lock.
#
#   SSTS_CACHE_ROOT                       the cache root ($SSTS_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, /sealed-secrets-ts)
#   ssts_serialise LOCKFILE DONE_LINE CHECK [ARGS...]
#       Waits for an exclusive lock on LOCKFILE (two test runs started together must not build twice). If CHECK
#       passes once the lock is held, another run finished the build meanwhile: prints DONE_LINE and exits 0.
#       Without flock(1) it returns at once (one builder assumed). The lock lives as long as the calling shell.
SSTS_CACHE_ROOT=${SSTS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sealed-secrets-ts}

ssts_serialise() {
  local lockfile=$1 done_line=$2
  shift 2
  command -v flock >/dev/null 2>&1 || return 0
  mkdir -p "$(dirname "$lockfile")"
  exec 9>"$lockfile"
  flock 9
  if "$@"; then
    echo "$done_line"
    exit 0
  fi
}
