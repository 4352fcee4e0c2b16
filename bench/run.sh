#!/usr/bin/env bash
# Benchmarks of dzdx's symbolic side against SymPy (not part of `npm test`).
#
#   bench/run.sh
#
# Builds dzdx, runs bench/symbolic.mjs and bench/sympy_symbolic.py on the
# cases of bench/cases.mjs, LaTeX depth timings and CPU profiles of the
# 1000-op checks (warm, in-process; and one `dzdx check` process), writes the results to bench/results/*-DATE.json and
# rewrites docs/benchmarks.md. Needs Debian's python3-sympy
# (apt-get install -y python3-sympy), run with /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."

DATE=$(date -u +%F)
RES=bench/results
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$RES"
STARTED=$(date -u +%H:%M)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# What is built and measured (others may commit while this runs).
COMMIT=$(git rev-parse --short HEAD)
DIRTY=$(git status --porcelain -- src cli | wc -l)

echo "== build"
# The package's build: tsc (dist/src, the library the benchmarks import) and
# the esbuild bundle of the CLI (dist/bundle, the `dzdx` command).
npm run build

echo "== dzdx"
node bench/cases.mjs > "$TMP/cases.json"
node bench/symbolic.mjs --out "$RES/symbolic-$DATE.json"

echo "== SymPy"
/usr/bin/python3 bench/sympy_symbolic.py --cases "$TMP/cases.json" --out "$RES/sympy-symbolic-$DATE.json"

echo "== LaTeX and nesting depth"
node bench/latex-depth.mjs --out "$RES/latex-depth-$DATE.json"

echo "== CPU profiles of the 1000-op checks"
PROFILES=()
for family in sum product nested chain; do
  rm -rf "$TMP/prof"
  meta=$(node --cpu-prof --cpu-prof-dir="$TMP/prof" bench/profile-check.mjs "$family" 1000 20 --json)
  echo "$meta"
  node bench/cpuprofile-top.mjs "$TMP"/prof/*.cpuprofile --top 12 --json --meta "$meta" > "$RES/profile-check-$family-1000-$DATE.json"
  PROFILES+=("$RES/profile-check-$family-1000-$DATE.json")
done

echo "== CPU profiles of five dzdx check processes on the 1000-op chain"
node --input-type=module -e "
  import { buildCases, torchScript } from './bench/cases.mjs';
  import { writeFileSync } from 'node:fs';
  const c = buildCases([1000]).find((k) => k.family === 'chain');
  writeFileSync('$TMP/chain_1000.py', torchScript(c));
  console.log(JSON.stringify({ family: 'chain', ops: c.ops }));" > "$TMP/cli-meta.json"
DZDX=$(node -p "require('./package.json').bin.dzdx")
for i in 1 2 3 4 5; do
  node --cpu-prof --cpu-prof-dir="$TMP/cliprof" "$DZDX" check "$TMP/chain_1000.py" > /dev/null
done
node bench/cpuprofile-top.mjs "$TMP"/cliprof/*.cpuprofile --top 12 --json --meta "$(cat "$TMP/cli-meta.json")" > "$RES/profile-cli-check-chain-1000-$DATE.json"

echo "== machine"
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') \
NPROC=$(nproc) \
MEM_TOTAL=$(free -h | awk '/^Mem:/ {print $2}') \
MEM_AVAILABLE=$(free -h | awk '/^Mem:/ {print $7}') \
PYTHON=$(/usr/bin/python3 -c 'import sys; print(sys.version.split()[0])') \
MATHJS=$(node -p "require('./node_modules/mathjs/package.json').version") \
COMMIT=$COMMIT DIRTY=$DIRTY \
LOAD_START=$LOAD_START LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg) \
DATE=$DATE STARTED=$STARTED FINISHED=$(date -u +%H:%M) \
node -e '
  const e = process.env;
  console.log(JSON.stringify({
    date: e.DATE, started: `${e.STARTED} UTC`, finished: `${e.FINISHED} UTC`,
    cpuModel: e.CPU_MODEL, nproc: Number(e.NPROC), memTotal: e.MEM_TOTAL, memAvailable: e.MEM_AVAILABLE,
    node: process.version, python: e.PYTHON, mathjs: e.MATHJS,
    commit: e.COMMIT, dirty: Number(e.DIRTY), loadStart: e.LOAD_START, loadEnd: e.LOAD_END,
  }, null, 1));' > "$RES/machine-$DATE.json"
cat "$RES/machine-$DATE.json"

IFS=,
node bench/report.mjs --dzdx "$RES/symbolic-$DATE.json" --sympy "$RES/sympy-symbolic-$DATE.json" \
  --machine "$RES/machine-$DATE.json" --latex "$RES/latex-depth-$DATE.json" \
  --profiles "${PROFILES[*]}" --cli-profile "$RES/profile-cli-check-chain-1000-$DATE.json" --out docs/benchmarks.md
