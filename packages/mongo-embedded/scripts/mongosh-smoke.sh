#!/usr/bin/env bash
# Smoke test with the real MongoDB shell: starts the CLI server on a temporary dbpath and a free
# loopback port, then runs mongosh (the npm package, no native download) doing `show dbs`,
# `show collections`, insert, find, aggregate and createIndex. Exits non-zero on any error.
#
#   bash scripts/mongosh-smoke.sh            (from packages/mongo-embedded)
#   MONGOSH_VERSION=2.12.0 bash scripts/mongosh-smoke.sh
set -euo pipefail

package_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mongosh_version="${MONGOSH_VERSION:-2}"
dbpath="$(mktemp -d "${TMPDIR:-/tmp}/mongosh-smoke-XXXXXX")"
server_log="$dbpath.log"
server_pid=""
started_at=$(date +%s)

cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$dbpath" "$server_log"
}
trap cleanup EXIT

node "$package_dir/bin/mongo-embedded.js" --dbpath "$dbpath" --port 0 --bind_ip 127.0.0.1 --quiet \
  >"$server_log" 2>&1 &
server_pid=$!

uri=""
for _ in $(seq 1 300); do
  uri="$(grep -o 'mongodb://[^ ]*' "$server_log" | head -n 1 || true)"
  [[ -n "$uri" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "mongosh-smoke: the server exited before it was ready:" >&2
    cat "$server_log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$uri" ]]; then
  echo "mongosh-smoke: the server did not print its URI within 30 s" >&2
  cat "$server_log" >&2
  exit 1
fi
echo "mongosh-smoke: server ready at $uri (dbpath $dbpath)"

# `show dbs` / `show collections` are REPL grammar; inside a longer script mongosh exposes the
# same commands as show('dbs') / show('collections'). Every check throws on a wrong answer,
# which makes mongosh exit non-zero. The final --eval uses the REPL grammar itself (mongosh
# prints the result of the last --eval only).
read -r -d '' session <<'JS' || true
db.invoices.insertOne({ _id: 1, number: 'INV-1', total: 100, status: 'paid' });
db.invoices.insertMany([
  { _id: 2, number: 'INV-2', total: 50, status: 'sent' },
  { _id: 3, number: 'INV-3', total: 25, status: 'paid' }
]);
const dbs = show('dbs');
print('> show dbs'); print(dbs);
if (!dbs.value.some((d) => d.name === 'smoke')) throw new Error('show dbs: ' + EJSON.stringify(dbs.value));
const collections = show('collections');
print('> show collections'); print(collections);
if (!collections.value.some((c) => c.name === 'invoices')) throw new Error('show collections: ' + EJSON.stringify(collections.value));
const found = db.invoices.find({ status: 'paid' }).sort({ _id: 1 }).toArray();
print('> find'); printjson(found);
if (found.length !== 2 || found[0].number !== 'INV-1') throw new Error('find returned ' + EJSON.stringify(found));
const totals = db.invoices.aggregate([{ $group: { _id: '$status', total: { $sum: '$total' } } }, { $sort: { _id: 1 } }]).toArray();
print('> aggregate'); printjson(totals);
if (totals.length !== 2 || totals[0].total !== 125) throw new Error('aggregate returned ' + EJSON.stringify(totals));
const indexName = db.invoices.createIndex({ number: 1 }, { unique: true });
print('> createIndex: ' + indexName);
const names = db.invoices.getIndexes().map((index) => index.name);
if (!names.includes('number_1')) throw new Error('indexes: ' + names.join(', '));
let duplicate = false;
try { db.invoices.insertOne({ number: 'INV-1' }); } catch (error) { duplicate = error.code === 11000; }
if (!duplicate) throw new Error('the unique index did not reject a duplicate');
print('mongosh-smoke: all checks passed');
JS

DO_NOT_TRACK=1 npx --yes "mongosh@$mongosh_version" "${uri%/}/smoke" --quiet --norc \
  --eval "$session" --eval 'show collections'

echo "mongosh-smoke: passed in $(($(date +%s) - started_at)) s"
