#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu 22.04):
# Node.js 20 from NodeSource, then dzdx from the tarball packed into the zip (npm pack).
set -euo pipefail
apt-get install -y --no-install-recommends ca-certificates curl gnupg
curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
apt-get install -y --no-install-recommends nodejs
npm install --global /autograder/source/dzdx-*.tgz
dzdx --version
