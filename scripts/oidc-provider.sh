#!/usr/bin/env bash
# Installs the OpenID Connect provider the single sign-on tests start on loopback (panva/oidc-provider,
# pinned by tests/oidc/package-lock.json) into tests/oidc/node_modules. Needs Node.js and npm.
set -euo pipefail
cd "$(dirname "$0")/../tests/oidc"
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: install Node.js 18 or later (apt-get install -y nodejs npm)" >&2
  exit 1
fi
# Installed already from this lock file: nothing to do.
[ -d node_modules/oidc-provider ] && [ node_modules/.package-lock.json -nt package-lock.json ] && exit 0
npm ci --no-audit --no-fund --loglevel=error
