#!/usr/bin/env bash
# Puts VictoriaMetrics (Debian unstable's `victoria-metrics`, MIN_VERSION or later) under .tools/ and
# prints the binary's path. The tests use it as a real receiver for the push encoders.
# It fetches the .deb with `apt-get download` through a private apt state: its own sources list (the
# unstable suite on the machine's own Debian mirror, beside the machine's sources) and its own lists
# and cache directories. The system's apt configuration, lists and packages are left as they were.
set -euo pipefail
cd "$(dirname "$0")/.."

MIN_VERSION=1.145
DEST="$PWD/.tools/victoria-metrics"
BIN="$DEST/usr/bin/victoria-metrics"

is_recent_enough() {
  [ -x "$BIN" ] || return 1
  local have
  have=$(cat "$DEST/VERSION" 2>/dev/null) || return 1
  dpkg --compare-versions "$have" ge "$MIN_VERSION"
}

if is_recent_enough; then
  echo "$BIN"
  exit 0
fi

STATE=$(mktemp -d)
trap 'rm -rf "$STATE"' EXIT
mkdir -p "$STATE/lists/partial" "$STATE/cache/archives/partial" "$STATE/download"
chmod -R a+rwX "$STATE"

# The machine's own Debian mirror (first `URIs:` or `deb` line), so no new host is contacted.
MIRROR=$(grep -hoE '^(URIs:\s*|deb\s+(\[[^]]*\]\s+)?)https?://[^ ]+/debian/?' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
  | grep -oE 'https?://[^ ]+' | head -n1 || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [signed-by=$KEYRING] $MIRROR unstable main" >"$STATE/unstable.list"

APT_OPTS=(
  -o "Dir::Etc::SourceList=$STATE/unstable.list"
  -o "Dir::State::Lists=$STATE/lists"
  -o "Dir::Cache=$STATE/cache"
  -o "Dir::Cache::archives=$STATE/cache/archives"
  -o "APT::Sandbox::User=root"
  -o "Acquire::Languages=none"
)
apt-get "${APT_OPTS[@]}" -qq update >&2
(cd "$STATE/download" && apt-get "${APT_OPTS[@]}" -qq download victoria-metrics/unstable >&2)
DEB=$(ls "$STATE"/download/victoria-metrics_*.deb)
VERSION=$(dpkg-deb -f "$DEB" Version)
if ! dpkg --compare-versions "$VERSION" ge "$MIN_VERSION"; then
  echo "install-victoria-metrics: unstable has $VERSION, tests need $MIN_VERSION or later" >&2
  exit 1
fi
rm -rf "$DEST"
mkdir -p "$DEST"
dpkg-deb -x "$DEB" "$DEST"
echo "$VERSION" >"$DEST/VERSION"
echo "install-victoria-metrics: victoria-metrics $VERSION in $DEST" >&2
echo "$BIN"
