#!/usr/bin/env bash
# The Python and Go bindings, from a clean clone: compile with jsii, generate the packages with
# jsii-pacmak, install the real cdk8s, cdk8s-plus-27 and constructs of each language from its
# registry into .bindings/ (gitignored), run test/bindings/{python,go}, and compare their output
# with the TypeScript app's dist/ byte for byte. Exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
export CDK8S_CHECK_UPGRADE=false
# jsii 5.9 / jsii-runtime 1.140 print a banner per process: Node 20 is end-of-life for them since 2026-10-30.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

work="$PWD/.bindings"
pacmak="$work/pacmak"
rm -rf "$pacmak" "$work/out" "$work/pkg"
mkdir -p "$work/out" "$work/pkg"
[ -d node_modules ] || npm ci --no-audit --no-fund

# Built in a copy, so the lib/ other tests build at the same time is left alone.
cp -r src imports package.json tsconfig.json tsconfig.build.json README.md LICENSE "$work/pkg/"
ln -s "$PWD/node_modules" "$work/pkg/node_modules"
echo "--- jsii (lib/, .jsii)"
(cd "$work/pkg" && npm run --silent build)

echo "--- jsii-pacmak: the Python wheel"
(cd "$work/pkg" && npx jsii-pacmak --targets python -o "$pacmak" .)

echo "--- jsii-pacmak: Go code for cdk8s, cdk8s-plus-27 (not on the Go module proxy) and this library"
(cd "$work/pkg" && npx jsii-pacmak --code-only --targets go -o "$pacmak" node_modules/cdk8s node_modules/cdk8s-plus-27 .)

echo "--- Python: cdk8s, cdk8s-plus-27, constructs from PyPI"
versions() { node -p "['cdk8s', 'cdk8s-plus-27', 'constructs'].map((p) => p + '==' + require('./node_modules/' + p + '/package.json').version).join(' ')"; }
[ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"
# shellcheck disable=SC2046  # one word per requirement
"$work/venv/bin/pip" install -q --disable-pip-version-check "$pacmak"/python/*.whl $(versions)
# The wheel keeps its version between builds: replace it whatever pip thinks is installed.
"$work/venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$pacmak"/python/*.whl
"$work/venv/bin/python" test/bindings/python/app.py "$work/out/python"

echo "--- Go: constructs and jsii-runtime-go from the module proxy"
(cd test/bindings/go && go build -o "$work/go-app" .)
"$work/go-app" "$work/out/go"

echo "--- the TypeScript app"
CDK8S_OUTDIR="$work/out/typescript" node scripts/run-ts.js main.ts

status=0
for lang in python go; do
  if diff -r "$work/out/typescript" "$work/out/$lang" >/dev/null; then
    echo "$lang: identical to the TypeScript app ($(ls "$work/out/$lang" | tr '\n' ' '))"
  else
    diff -r "$work/out/typescript" "$work/out/$lang" > "$work/out/$lang.diff" || true
    echo "$lang: DIFFERS from the TypeScript app (all of it in $work/out/$lang.diff):"; head -40 "$work/out/$lang.diff"; status=1
  fi
done
if ! diff -r dist "$work/out/typescript" >/dev/null; then echo "dist/ is stale: run 'npm run synth'"; status=1; fi
exit $status
