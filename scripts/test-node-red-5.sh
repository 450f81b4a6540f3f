#!/usr/bin/env bash
# The node tests on Node-RED 5 under Node 22 (Node-RED 5 refuses Node 20): installs node@22 and
# node-red@5 into .cache/node-red-5 once, then runs the node tests (test/nodes) and the browser tests
# (test/browser, a real Node-RED 5 and headless Chromium) with them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.cache/node-red-5"
if [ ! -x "$dir/node_modules/.bin/node" ] || [ ! -d "$dir/node_modules/node-red" ]; then
  mkdir -p "$dir"
  echo '{"name":"node-red-5-tests","private":true}' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --silent node@22 node-red@5)
fi
node22="$dir/node_modules/.bin/node"
nodeRed="$("$node22" -e 'console.log(require.resolve("node-red", { paths: [process.argv[1]] }))' "$dir")"
echo "Node $("$node22" --version), Node-RED $("$node22" -e 'console.log(require(process.argv[1]).version)' "$dir/node_modules/node-red/package.json")"
cd "$root"
ACS_NODE_RED_PATH="$nodeRed" "$node22" node_modules/.bin/mocha --no-config -n import=tsx --timeout 60000 --exit 'test/nodes/**/*.spec.ts' 'test/browser/**/*.spec.ts'
