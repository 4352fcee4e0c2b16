#!/usr/bin/env bash
# Run once on your own machine (no Docker needed): puts dzdx and its dependencies into your course's
# serverFilesCourse/dzdx, where grade.sh finds them inside PrairieLearn's grading container.
#   autograders/prairielearn/install.sh path/to/course
set -euo pipefail
course="${1:?usage: install.sh COURSE_DIRECTORY}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$course/serverFilesCourse/dzdx"
tarball="$(cd "$here/../.." && npm pack --silent --pack-destination "$course/serverFilesCourse/dzdx")"
(cd "$course/serverFilesCourse/dzdx" && npm install --omit=dev --no-save "./$tarball" && rm "$tarball")
cp "$here/grade.sh" "$course/serverFilesCourse/dzdx/grade.sh"
echo "dzdx installed in $course/serverFilesCourse/dzdx; see info.json.example for the question's info.json"
