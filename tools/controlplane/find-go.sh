# Sourced by build.sh and gen-replaces.sh: sets GO to a Go toolchain >= 1.24.
# Exit code 3 means "no suitable Go" so callers can say what to install.
# An older distro Go earlier on PATH must not win, so every candidate is version-checked.
go_ok() {
  local v
  v=$("$1" env GOVERSION 2>/dev/null) || return 1
  v=${v#go}
  local major=${v%%.*} rest=${v#*.}
  local minor=${rest%%[.a-z]*}
  [ "$major" -gt 1 ] 2>/dev/null || { [ "$major" = 1 ] && [ "$minor" -ge 24 ] 2>/dev/null; }
}
GO_FOUND=
for cand in ${GO:-} go /usr/local/go/bin/go "$HOME/go/bin/go" /usr/lib/go/bin/go; do
  if command -v "$cand" >/dev/null 2>&1 && go_ok "$cand"; then GO_FOUND=$(command -v "$cand"); break; fi
done
if [ -z "$GO_FOUND" ]; then
  echo "controlplane: no Go >= 1.24 found (tried \$GO, go on PATH, /usr/local/go/bin/go)." >&2
  echo "controlplane: install Go >= 1.24 from the official Go distribution into /usr/local/go, or set GO=/path/to/go." >&2
  exit 3
fi
GO=$GO_FOUND
