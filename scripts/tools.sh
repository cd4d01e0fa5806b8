#!/usr/bin/env bash
# Install promtool, prometheus, amtool and alertmanager at exactly the versions the library pins
# (DEFAULT_IMAGES in src: test/harness-binaries/pins.test.ts keeps the two in step) into
# .tools/bin, built from source with the Go toolchain through the Go module proxy.
# The tests find them there (test/harness/tools.ts) before looking on PATH.
#
# Reuses a binary when `<tool> --version` prints the pin AND `go version -m <tool>` shows it was
# built from the pinned module version; rebuilds otherwise. Prints what it installed or reused.
#
# Why not plain `go install module/cmd/x@version`: Prometheus' go.mod has a `replace` directive
# (cloud.google.com/go), and `go install pkg@version` refuses any module whose go.mod has one.
# So each module is built from a throwaway main module that requires the pinned version and copies
# upstream's replace directives; the script then checks that every dependency resolved to the
# version upstream's go.mod requires (same build list as an upstream `make build`).
#
# Upstream release builds (promu, .promu.yml) use tags `netgo,builtinassets` and -X ldflags for
# the version. We set the same ldflags (deterministic revision/branch/user/date) so `--version`
# prints the pin; `builtinassets` is left out because the web UI's compiled assets are generated
# by npm in upstream's release pipeline and are not in the Go module zip. Without it the binary
# serves the UI from ./web/ui/static (absent: UI pages 404); the HTTP API, which is all the tests
# use, is unaffected.
#
# Alertmanager's //go:embed of its npm-built UI also breaks a plain module build: see EMBED_PLACEHOLDER.
#
# No Go? Fallback: `apt-get install prometheus prometheus-alertmanager` gives Debian's promtool
# 2.42 / amtool 0.25 on PATH. They are NOT the pins: the tests detect it and say so (see README,
# "What the tests prove").
set -euo pipefail

PROMETHEUS_VERSION=3.14.0
ALERTMANAGER_VERSION=0.34.0

root="$(cd "$(dirname "$0")/.." && pwd)"
tools_dir="${TOOLS_DIR:-$root/.tools}"
bin="$tools_dir/bin"

if ! command -v go >/dev/null 2>&1; then
  echo "tools.sh: 'go' not found. Install Go >= 1.25, or fall back to Debian's older tools:" >&2
  echo "  apt-get install prometheus prometheus-alertmanager   (promtool 2.42 / amtool 0.25, not the pins)" >&2
  exit 1
fi

# Prometheus 3.x.y is published as Go module version v0.3xx.y (3.14.0 -> v0.314.0).
prom_module_version() {
  local major minor patch
  IFS=. read -r major minor patch <<<"$1"
  printf 'v0.%d%02d.%d' "$major" "$minor" "$patch"
}

# tool_ok <binary> <version> <module> <module-version>: the binary exists, says it is <version>,
# and its embedded build info names <module> at <module-version>.
tool_ok() {
  local exe="$1" version="$2" module="$3" modver="$4"
  [ -x "$exe" ] || return 1
  "$exe" --version 2>&1 | head -n1 | grep -q "version $version " || return 1
  # A package built from a dependency module records that module on the `mod` line.
  go version -m "$exe" 2>/dev/null | grep -Eq "^[[:space:]]+(mod|dep)[[:space:]]+$module[[:space:]]+$modver([[:space:]]|$)" || return 1
}

# build <module> <module-version> <version> <cmd>...: build <module>/cmd/<cmd> into $bin.
build() {
  local module="$1" modver="$2" version="$3"
  shift 3
  local work
  work="$(mktemp -d)"
  local upstream_mod
  upstream_mod="$(go mod download -json "$module@$modver" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [ -f "$upstream_mod" ] || { echo "tools.sh: could not download $module@$modver" >&2; return 1; }
  # A subshell with its own EXIT trap: errexit stays in force inside it and the temp module is removed.
  (
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    go mod init cdk8s-thanos-tools >/dev/null 2>&1
    # Upstream's replace directives (module => module version only; local paths cannot apply).
    awk '/^replace \(/{block=1; next} block && /^\)/{block=0; next}
         block {print "replace " $0; next} /^replace /{print}' "$upstream_mod" |
      grep -Ev '=>[[:space:]]*\.' >>go.mod || true
    local pkgs=()
    for cmd in "$@"; do pkgs+=("$module/cmd/$cmd@$modver"); done
    go get "${pkgs[@]}" >/dev/null 2>&1 || go get "${pkgs[@]}"
    # Same build list as upstream: every requirement of upstream's go.mod resolved to that version.
    local drift
    drift="$(go list -m -f '{{.Path}} {{.Version}}' all |
      awk 'NR==FNR {want[$1]=$2; next} ($1 in want) && want[$1] != $2 {print $1 " upstream " want[$1] " here " $2}' \
        <(awk '/^require \(/{b=1; next} b && /^\)/{b=0; next} b {print $1, $2} /^require [^(]/{print $2, $3}' "$upstream_mod") -)"
    if [ -n "$drift" ]; then
      echo "tools.sh: dependency versions differ from $module@$modver's go.mod:" >&2
      echo "$drift" >&2
      exit 1
    fi
    if [ -n "${EMBED_PLACEHOLDER:-}" ]; then
      # The package //go:embed's a directory of npm-built UI assets that the Go module zip does not hold
      # (so `go install` fails too: "pattern app/dist: no matching files found"). Build from a copy of the
      # pinned module source (the hash-verified module cache) with a placeholder page in that directory.
      cp -r "$(go list -m -f '{{.Dir}}' "$module")" "$work/src"
      chmod -R u+w "$work/src"
      mkdir -p "$work/src/$EMBED_PLACEHOLDER"
      echo '<!doctype html><title>UI not built (scripts/tools.sh)</title>' >"$work/src/$EMBED_PLACEHOLDER/index.html"
      go mod edit -replace "$module=./src"
    fi
    local ldflags="-X github.com/prometheus/common/version.Version=$version"
    ldflags+=" -X github.com/prometheus/common/version.Revision=$modver"
    ldflags+=" -X github.com/prometheus/common/version.Branch=HEAD"
    ldflags+=" -X github.com/prometheus/common/version.BuildUser=cdk8s-thanos@scripts/tools.sh"
    ldflags+=" -X github.com/prometheus/common/version.BuildDate=19700101-00:00:00"
    for cmd in "$@"; do
      CGO_ENABLED=0 go build -trimpath -tags netgo -ldflags "$ldflags" -o "$bin/$cmd" "$module/cmd/$cmd"
    done
  )
}

# ensure <module> <module-version> <version> <cmd>...
ensure() {
  local module="$1" modver="$2" version="$3"
  shift 3
  local missing=() cmd
  for cmd in "$@"; do
    if tool_ok "$bin/$cmd" "$version" "$module" "$modver"; then
      echo "reused    $bin/$cmd $version ($module@$modver)"
    else
      missing+=("$cmd")
    fi
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  local start=$SECONDS
  build "$module" "$modver" "$version" "${missing[@]}"
  for cmd in "${missing[@]}"; do
    tool_ok "$bin/$cmd" "$version" "$module" "$modver" ||
      { echo "tools.sh: $bin/$cmd built but does not report $version / $module@$modver" >&2; exit 1; }
    echo "installed $bin/$cmd $version ($module@$modver)"
  done
  echo "          built ${missing[*]} in $((SECONDS - start)) s"
}

mkdir -p "$bin"
ensure github.com/prometheus/prometheus "$(prom_module_version "$PROMETHEUS_VERSION")" "$PROMETHEUS_VERSION" promtool prometheus
ensure github.com/prometheus/alertmanager "v$ALERTMANAGER_VERSION" "$ALERTMANAGER_VERSION" amtool
# alertmanager's web UI (ui/app/dist) is embedded: see EMBED_PLACEHOLDER in build(). `go version -m` then
# shows `mod github.com/prometheus/alertmanager v0.34.0 => ./src (devel)`.
EMBED_PLACEHOLDER=ui/app/dist ensure github.com/prometheus/alertmanager "v$ALERTMANAGER_VERSION" "$ALERTMANAGER_VERSION" alertmanager
