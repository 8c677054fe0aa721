/**
 * `pnpm access-read`: what the access check's one read costs the MongoDB driver, in this
 * process, against the embedded server in a child process (its own event loop, as in the load
 * benchmark). The data is the load benchmark's seed (40 invoices); 32 reads in flight.
 *
 * - `findOne`: the raw baseline route's read (`findOne({ _id, orgId })`), the yardstick;
 * - `cursor`: the access pipeline (membership, then the org and the invoice by `$lookup`)
 *   through the driver's aggregation cursor (`aggregateAll`, as before 2026-11-29);
 * - `command`: the same pipeline as the `aggregate` command (`aggregateFirstBatch`, what
 *   `findActiveMembership` sends).
 *
 * Rounds alternate the order; each prints this process's CPU per read (user + system), and the
 * summary the median and each variant's median ratio to `findOne` within its round.
 */
import { accessPipeline } from '@invoice/api';
import { aggregateAll, aggregateFirstBatch, createDb, type Database } from '@invoice/db';
import { ObjectId, type Document } from 'mongodb';
import { bundleChildren } from './bundle.js';
import { spawnBundle } from './child.js';
import { seed } from './seed.js';

const ROUNDS = 12;
const print = (line: string) => process.stdout.write(`${line}\n`);
const READS = 3_000;
const IN_FLIGHT = 32;

const bundles = await bundleChildren();
const mongo = spawnBundle<{ uri: string }>(bundles.mongo, {});
let db: Database | null = null;
try {
  const { uri } = await mongo.ready;
  db = createDb({ uri, dbName: 'access-read', monitorCommands: true });
  const database = db;
  // The server's metrics listen to every command, as in production and the load benchmark.
  database.client.on('commandSucceeded', () => undefined);
  const user = { uid: 'access-read-user', email: 'access-read@example.com' };
  const seeded = await seed(database, user, 40, () => undefined);
  const orgId = new ObjectId(seeded.orgId);
  const invoiceId = new ObjectId(seeded.openIds[0]);
  // The very pipeline findActiveMembership sends for invoice.byId.
  const pipeline = (): Document[] =>
    accessPipeline(orgId, user.uid, {
      collection: database.collections.invoices,
      filter: { _id: invoiceId, orgId },
    });
  const variants: [string, () => Promise<unknown>][] = [
    ['findOne', () => database.collections.invoices.findOne({ _id: invoiceId, orgId })],
    ['cursor', () => aggregateAll(database.collections.memberships, pipeline())],
    ['command', () => aggregateFirstBatch(database.collections.memberships, pipeline())],
  ];
  const [cursorRow] = await aggregateAll(database.collections.memberships, pipeline());
  const [commandRow] = await aggregateFirstBatch(database.collections.memberships, pipeline());
  if (JSON.stringify(cursorRow) !== JSON.stringify(commandRow) || commandRow === undefined) {
    throw new Error('the cursor and the command read different rows');
  }

  const cpuPerRead = async (read: () => Promise<unknown>, reads: number): Promise<number> => {
    const before = process.cpuUsage();
    let started = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (started++ < reads) await read();
      }),
    );
    const used = process.cpuUsage(before);
    return (used.user + used.system) / reads;
  };
  for (const [, read] of variants) await cpuPerRead(read, READS); // warm-up
  const perRound: Record<string, number>[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    const row: Record<string, number> = {};
    for (const [name, read] of order) row[name] = await cpuPerRead(read, READS);
    perRound.push(row);
    print(
      `round ${round + 1}: ${variants.map(([name]) => `${name} ${row[name]?.toFixed(0)} µs`).join(', ')}`,
    );
  }
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length / 2;
    return ((sorted[Math.floor(mid)] ?? 0) + (sorted[Math.ceil(mid) - 1] ?? 0)) / 2;
  };
  print(`\nclient CPU per read, median of ${ROUNDS} rounds of ${READS} (${IN_FLIGHT} in flight):`);
  for (const [name] of variants) {
    const cpu = median(perRound.map((row) => row[name] ?? 0));
    const ratio = median(perRound.map((row) => (row[name] ?? 0) / (row.findOne ?? 1)));
    print(`  ${name.padEnd(8)} ${cpu.toFixed(1).padStart(7)} µs   ${ratio.toFixed(2)}× findOne`);
  }
} finally {
  await db?.close();
  await mongo.stop();
  await bundles.remove();
}
