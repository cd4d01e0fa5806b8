#!/usr/bin/env bash
# The Python, Go and Java bindings, from a clean clone: compile with jsii, generate the packages with
# jsii-pacmak, install the real cdk8s, cdk8s-plus-27 and constructs of each language from its
# registry (or, where the registry lacks them, generate them from their npm packages), run
# test/bindings/{python,go,java}, and compare their output with the TypeScript app's dist/ byte for
# byte. Exits non-zero on any difference. Scratch space is .bindings/ (gitignored); Java's packages go
# to the Maven local repository.
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

echo "--- jsii-pacmak: Java for cdk8s (Maven Central stops at 2.70.47), cdk8s-plus-27 (not there) and this library"
# Built into (and, by the deploy lifecycle's install phase, installed in) the local repository the Java
# app resolves from, rather than pacmak's default of a new empty one per run. cdk8s goes first, on its
# own: pacmak pins the POMs' version ranges to the newest version before building (aws/jsii#5006), but
# in 1.140.0 not a range over a module of the same build, and a range left open makes Maven read the
# POM of every version in it, by design (MNG-4849): cdk8s-plus-27's [2.68.11,3.0.0) cost about 900
# POMs of cdk8s, constructs and the jsii runtime, minutes on an empty repository. Javadoc and source
# jars are skipped: nothing here reads them, and cdk8s-plus-27's Javadoc is the slowest part of the
# Maven build.
m2="$HOME/.m2/repository"
pacmak_java() {
  (cd "$work/pkg" && MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.javadoc.skip=true -Dmaven.source.skip=true" \
    npx jsii-pacmak --targets java --maven-local-repository "$m2" -o "$pacmak" "$@")
}
pacmak_java node_modules/cdk8s
pacmak_java node_modules/cdk8s-plus-27 .

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

echo "--- Java: constructs and the jsii runtime from Maven Central"
mvn -q -B -Dmaven.repo.local="$m2" -f test/bindings/java/pom.xml dependency:build-classpath -Dmdep.outputFile="$work/java.classpath"
# Java 11+ runs a single source file directly (JEP 330): no compiler plugin, no jar.
java -cp "$(cat "$work/java.classpath")" test/bindings/java/Main.java "$work/out/java"

echo "--- the TypeScript app"
CDK8S_OUTDIR="$work/out/typescript" node scripts/run-ts.js main.ts

status=0
for lang in python go java; do
  if diff -r "$work/out/typescript" "$work/out/$lang" >/dev/null; then
    echo "$lang: identical to the TypeScript app ($(ls "$work/out/$lang" | tr '\n' ' '))"
  else
    diff -r "$work/out/typescript" "$work/out/$lang" > "$work/out/$lang.diff" || true
    echo "$lang: DIFFERS from the TypeScript app (all of it in $work/out/$lang.diff):"; head -40 "$work/out/$lang.diff"; status=1
  fi
done
if ! diff -r dist "$work/out/typescript" >/dev/null; then echo "dist/ is stale: run 'npm run synth'"; status=1; fi
exit $status
