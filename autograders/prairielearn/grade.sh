#!/usr/bin/env bash
# dzdx as a PrairieLearn external grader (https://prairielearn.readthedocs.io/en/latest/externalGrading/):
# grades the student's files (/grade/student: a notebook, or an answers file) and the answers typed into
# the question's input elements (/grade/data/data.json, named by question id) against the question's
# tests/exercise.yaml, and writes /grade/results/results.json.
#
# PL_GRADE_ROOT (default /grade) and DZDX (default: dzdx copied into serverFilesCourse/dzdx by install.sh)
# may be set to try it on your own machine: see docs/autograders.md.
set -u
ROOT="${PL_GRADE_ROOT:-/grade}"
DZDX="${DZDX:-node $ROOT/serverFilesCourse/dzdx/node_modules/dzdx/dist/bundle/main.js}"
mkdir -p "$ROOT/results"
shopt -s nullglob nocaseglob
files=("$ROOT"/student/*.ipynb "$ROOT"/student/*.csv "$ROOT"/student/*.jsonl)
[ -f "$ROOT/data/data.json" ] && files+=("$ROOT/data/data.json")
# The variant's seed names the submission (it draws the exercise's params unless data.json's params give them).
# shellcheck disable=SC2086 # DZDX may be a command with arguments
$DZDX grade "$ROOT/tests/exercise.yaml" "${files[@]}" --format prairielearn --out "$ROOT/results/results.json"
status=$?
if [ $status -gt 1 ] || [ ! -s "$ROOT/results/results.json" ]; then
  printf '{"gradable": false, "format_errors": ["The autograder could not grade this submission (dzdx exit code %s)."]}\n' "$status" > "$ROOT/results/results.json"
fi
exit 0
