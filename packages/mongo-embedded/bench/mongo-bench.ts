/**
 * Throughput and latency of the embedded server through the official driver over loopback.
 *
 *   npx tsx bench/mongo-bench.ts                (from packages/mongo-embedded; ~2-3 minutes)
 *   npx tsx bench/mongo-bench.ts --lookup-only  (the $lookup aggregate figures only; ~30 s)
 *
 * The server runs as a child process started from the package's CLI, as developers run it, so
 * the driver and the server do not share an event loop and the server's RSS is its own. Every
 * figure is printed with its ratio to `ping`, the floor of this transport, next to the targets
 * of the issue. The bench stops its servers and removes its temporary data directory itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BSON, MongoClient, type Db, type Document } from 'mongodb';

/** Bench documents use numeric ids (the driver would otherwise type _id as ObjectId). */
interface NumberedDoc extends Document {
  _id: number;
}

interface NamedDoc extends Document {
  _id: string;
}

const CLIENTS = 16;
const ROUNDS = 6;
const WINDOW_MS = 500;
const WARMUP_MS = 300;
const INVOICES = 100_000;
const LOOKUP_SIZES = [10_000, 200_000] as const;
const LOOKUPS_PER_SIZE = 2_000;

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliPath = path.join(packageDir, 'bin', 'mongo-embedded.js');

interface ChildServer {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

/** Starts `mongo-embedded` on 127.0.0.1 with a free port and waits for its ready line. */
async function startServer(dbPath?: string): Promise<ChildServer> {
  const args = [cliPath, '--port', '0', '--bind_ip', '127.0.0.1', '--quiet'];
  if (dbPath !== undefined) args.push('--dbpath', dbPath);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const uri = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`server exited early with code ${code}`)));
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /listening on (mongodb:\/\/\S+)/.exec(line);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('server has no pid');
  return { uri, pid, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Resident set size of a process in MB, from /proc (Linux). */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

async function connectClients(uri: string): Promise<MongoClient[]> {
  return Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      // Generous timeouts: on a loaded CI machine a slow server must show up as a slow figure,
      // not as a monitor timeout that tears the connection pool down mid-measurement.
      const client = new MongoClient(uri, {
        maxPoolSize: 1,
        connectTimeoutMS: 120_000,
        serverSelectionTimeoutMS: 120_000,
      });
      await client.connect();
      return client;
    }),
  );
}

type Operation = (client: MongoClient, worker: number, iteration: number) => Promise<unknown>;

const ping: Operation = (client) => client.db('admin').command({ ping: 1 });

/** Runs `op` concurrently on every client for `durationMs`: completed operations and seconds. */
async function runWindow(
  clients: MongoClient[],
  op: Operation,
  durationMs: number,
): Promise<{ count: number; seconds: number }> {
  let count = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    clients.map(async (client, worker) => {
      for (let iteration = 0; performance.now() < deadline; iteration += 1) {
        await op(client, worker, iteration);
        count += 1;
      }
    }),
  );
  return { count, seconds: (performance.now() - started) / 1000 };
}

/**
 * Throughput of `op` and of `ping` (or another baseline) on the same server, measured in alternating windows
 * (ROUNDS x WINDOW_MS each, after a warm-up): on a shared machine whose load changes by the
 * second, both figures of a ratio then see the same conditions.
 */
async function versusPing(
  clients: MongoClient[],
  op: Operation,
  baseline: Operation = ping,
): Promise<{ ops: number; ping: number }> {
  await runWindow(clients, baseline, WARMUP_MS);
  await runWindow(clients, op, WARMUP_MS);
  const totals = { op: 0, opSeconds: 0, ping: 0, pingSeconds: 0 };
  for (let round = 0; round < ROUNDS; round += 1) {
    const pinged = await runWindow(clients, baseline, WINDOW_MS);
    totals.ping += pinged.count;
    totals.pingSeconds += pinged.seconds;
    const measured = await runWindow(clients, op, WINDOW_MS);
    totals.op += measured.count;
    totals.opSeconds += measured.seconds;
  }
  return { ops: totals.op / totals.opSeconds, ping: totals.ping / totals.pingSeconds };
}

function percentile(sortedMs: number[], fraction: number): number {
  const index = Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * fraction));
  return sortedMs[index] ?? Number.NaN;
}

/** Deterministic pseudo-random numbers, so every run loads the same data. */
function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const STATUSES = ['draft', 'sent', 'paid', 'overdue', 'void'] as const;

/** An invoice-shaped document of about 2 KB. */
function invoice(id: number, random: () => number): NumberedDoc {
  const lines = Array.from({ length: 8 }, (_, line) => {
    const qty = 1 + Math.floor(random() * 20);
    const unitPrice = Math.round(random() * 50_000) / 100;
    return {
      sku: `SKU-${(id * 8 + line) % 5_000}`,
      description: `Consulting services, phase ${line + 1}, as agreed in the statement of work`,
      qty,
      unitPrice,
      taxRate: line % 3 === 0 ? 0.2 : 0.1,
      total: Math.round(qty * unitPrice * 100) / 100,
    };
  });
  return {
    _id: id,
    number: `INV-2026-${String(id).padStart(7, '0')}`,
    orgId: `org-${id % 50}`,
    customerId: `cust-${id % 2_000}`,
    status: STATUSES[id % STATUSES.length],
    currency: 'EUR',
    issueDate: new Date(Date.UTC(2026, 0, 1) + (id % 365) * 86_400_000),
    dueDate: new Date(Date.UTC(2026, 1, 1) + (id % 365) * 86_400_000),
    customer: {
      name: `Customer ${id % 2_000} GmbH`,
      address: ['Hauptstrasse 12', '10115 Berlin', 'Germany'],
      vatId: `DE${String(100_000_000 + (id % 2_000))}`,
    },
    lines,
    notes: 'Payment within 30 days. '.repeat(12),
    totals: { net: lines.reduce((sum, line) => sum + line.total, 0), currency: 'EUR' },
  };
}

async function loadInvoices(db: Db): Promise<number> {
  const random = makeRandom(42);
  const invoices = db.collection<NumberedDoc>('invoices');
  let bytes = 0;
  const batch = 1_000;
  for (let start = 0; start < INVOICES; start += batch) {
    const docs = Array.from({ length: batch }, (_, offset) => invoice(start + offset, random));
    for (const doc of docs) bytes += BSON.calculateObjectSize(doc);
    await invoices.insertMany(docs, { ordered: false });
  }
  await invoices.createIndex({ number: 1 }, { unique: true });
  await invoices.createIndex({ customerId: 1 });
  return bytes / INVOICES;
}

/** Ten stages, as a report would run them over the whole collection. */
const REPORT_PIPELINE: Document[] = [
  { $match: { status: { $in: ['sent', 'paid', 'overdue'] } } },
  { $project: { customerId: 1, status: 1, lines: 1, issueDate: 1 } },
  { $unwind: '$lines' },
  { $addFields: { gross: { $multiply: ['$lines.total', { $add: [1, '$lines.taxRate'] }] } } },
  {
    $group: {
      _id: { customerId: '$customerId', status: '$status' },
      gross: { $sum: '$gross' },
      lines: { $sum: 1 },
    },
  },
  { $match: { lines: { $gte: 8 } } },
  { $sort: { gross: -1, _id: 1 } },
  { $skip: 10 },
  { $limit: 100 },
  {
    $project: {
      _id: 0,
      customerId: '$_id.customerId',
      status: '$_id.status',
      gross: { $round: ['$gross', 2] },
    },
  },
];

interface Row {
  name: string;
  value: string;
  ping: string;
  ratio: string;
  target: string;
  verdict: string;
}

function versusRow(
  name: string,
  figure: { ops: number; ping: number },
  target = '',
  pass?: boolean,
): Row {
  return {
    name,
    value: `${figure.ops.toFixed(figure.ops < 100 ? 2 : 0)} ops/s`,
    ping: `${figure.ping.toFixed(0)} ops/s`,
    ratio: `${((figure.ops / figure.ping) * 100).toFixed(1)}%`,
    target,
    verdict: pass === undefined ? '' : pass ? 'PASS' : 'FAIL',
  };
}

function plainRow(name: string, value: string, target = '', pass?: boolean, ratio = ''): Row {
  const verdict = pass === undefined ? '' : pass ? 'PASS' : 'FAIL';
  return { name, value, ping: '', ratio, target, verdict };
}

function printTable(rows: Row[]): void {
  const headers: Row = {
    name: 'measure',
    value: 'figure',
    ping: 'ping alongside',
    ratio: 'vs ping',
    target: 'target',
    verdict: '',
  };
  const all = [headers, ...rows];
  const keys = ['name', 'value', 'ping', 'ratio', 'target', 'verdict'] as const;
  const widths = keys.map((key) => Math.max(...all.map((entry) => entry[key].length)));
  for (const [index, entry] of all.entries()) {
    console.log(keys.map((key, k) => entry[key].padEnd(widths[k] ?? 0)).join('  '));
    if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  }
}

async function lookupLatency(db: Db, size: number): Promise<{ p50: number; p99: number }> {
  const collection = db.collection<NumberedDoc>(`lookup_${size}`);
  const batch = 5_000;
  for (let start = 0; start < size; start += batch) {
    await collection.insertMany(
      Array.from({ length: Math.min(batch, size - start) }, (_, offset) => ({
        _id: start + offset,
        code: `C${String(start + offset).padStart(8, '0')}`,
        amount: (start + offset) % 997,
      })),
      { ordered: false },
    );
  }
  await collection.createIndex({ code: 1 });
  const random = makeRandom(size);
  const lookup = () =>
    collection.findOne({ code: `C${String(Math.floor(random() * size)).padStart(8, '0')}` });
  for (let warm = 0; warm < 200; warm += 1) await lookup();
  const samples: number[] = [];
  for (let index = 0; index < LOOKUPS_PER_SIZE; index += 1) {
    const started = performance.now();
    const found = await lookup();
    samples.push(performance.now() - started);
    if (found === null) throw new Error(`lookup in ${size} documents found nothing`);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

const ORG_INVOICES = 10_000;
const ORGS = 20;
const MEMBERS_PER_ORG = 50;

/**
 * The API's access pattern: one membership joined to its organization and to one invoice of
 * an organization holding ORG_INVOICES invoices, by uncorrelated `$lookup`s.
 */
async function loadOrgData(db: Db): Promise<void> {
  const random = makeRandom(11);
  await db
    .collection<NamedDoc>('organizations')
    .insertMany(
      Array.from({ length: ORGS }, (_, org) => ({ _id: `org-${org}`, name: `Org ${org} AG` })),
    );
  await db.collection<NamedDoc>('memberships').insertMany(
    Array.from({ length: ORGS * MEMBERS_PER_ORG }, (_, i) => ({
      _id: `mem-${i}`,
      orgId: `org-${i % ORGS}`,
      uid: `user-${Math.floor(i / ORGS)}`,
      status: 'active',
      role: i % 7 === 0 ? 'owner' : 'member',
    })),
  );
  await db.collection('memberships').createIndex({ orgId: 1, uid: 1 }, { unique: true });
  const invoices = db.collection<NumberedDoc>('org_invoices');
  for (let start = 0; start < ORG_INVOICES; start += 1_000) {
    await invoices.insertMany(
      Array.from({ length: 1_000 }, (_, offset) => ({
        ...invoice(start + offset, random),
        orgId: 'org-0',
      })),
      { ordered: false },
    );
  }
  await invoices.createIndex({ orgId: 1, number: 1 }, { unique: true });
}

/**
 * membership + organization + invoice in one aggregate. `general` puts the two `$lookup`s in a
 * `$facet`, where the server still runs mingo's `$lookup` (it decodes the foreign collections):
 * the figure the storage-planned `$lookup` replaced.
 */
function orgSubjectAggregate(general: boolean): Operation {
  const random = makeRandom(13);
  return async (client) => {
    const invoiceId = Math.floor(random() * ORG_INVOICES);
    const uid = `user-${Math.floor(random() * MEMBERS_PER_ORG)}`;
    const lookups: Document[] = [
      { $lookup: { from: 'organizations', pipeline: [{ $match: { _id: 'org-0' } }], as: 'org' } },
      {
        $lookup: {
          from: 'org_invoices',
          pipeline: [{ $match: { _id: invoiceId, orgId: 'org-0' } }, { $limit: 1 }],
          as: 'subject',
        },
      },
    ];
    const [found] = await client
      .db('bench')
      .collection('memberships')
      .aggregate([
        { $match: { orgId: 'org-0', uid, status: 'active' } },
        { $limit: 1 },
        ...(general
          ? [{ $facet: { joined: lookups } }, { $unwind: '$joined' }, { $replaceWith: '$joined' }]
          : lookups),
      ])
      .toArray();
    if ((found?.subject as unknown[] | undefined)?.length !== 1) {
      throw new Error('the membership+org+invoice aggregate found no invoice');
    }
  };
}

/** The aggregate, and the same with mingo's $lookup, each against findOne by _id alongside. */
async function orgSubjectRows(clients: MongoClient[]): Promise<Row[]> {
  const random = makeRandom(17);
  const findById: Operation = (client) =>
    client
      .db('bench')
      .collection<NumberedDoc>('org_invoices')
      .findOne({ _id: Math.floor(random() * ORG_INVOICES) });
  const rows: Row[] = [];
  for (const general of [false, true]) {
    // mingo's path takes a large fraction of a second per call: one client keeps its windows short.
    const drivers = general ? clients.slice(0, 1) : clients;
    const figure = await versusPing(drivers, orgSubjectAggregate(general), findById);
    rows.push(
      plainRow(
        general
          ? `  same inside $facet (mingo's $lookup), 1 client`
          : `membership+org+invoice aggregate, ${ORG_INVOICES / 1000}k invoices in the org`,
        `${figure.ops.toFixed(figure.ops < 100 ? 2 : 0)} ops/s`,
        '',
        undefined,
        `${((figure.ops / figure.ping) * 100).toFixed(1)}% of findOne by _id (${figure.ping.toFixed(0)} ops/s)`,
      ),
    );
  }
  return rows;
}

/** `--lookup-only`: just the $lookup figures (about 30 s), for work on aggregation. */
async function lookupOnly(): Promise<void> {
  const server = await startServer();
  const clients = await connectClients(server.uri);
  try {
    const [first] = clients;
    if (!first) throw new Error('no client');
    await loadOrgData(first.db('bench'));
    printTable(await orgSubjectRows(clients));
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await server.stop();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const servers: ChildServer[] = [];
  const clients: MongoClient[] = [];
  const dataDir = await mkdtemp(path.join(tmpdir(), 'mongo-bench-'));
  try {
    const memory = await startServer();
    servers.push(memory);
    clients.push(...(await connectClients(memory.uri)));
    const [first] = clients;
    if (!first) throw new Error('no client');
    const db = first.db('bench');
    console.log(
      `server ${memory.uri} (pid ${memory.pid}), ${CLIENTS} clients, ` +
        `${ROUNDS} x ${WINDOW_MS} ms per figure, alternating with ping`,
    );

    const rssBefore = await rssMb(memory.pid);
    const loadStarted = performance.now();
    const averageSize = await loadInvoices(db);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const rssLoaded = await rssMb(memory.pid);
    console.log(
      `loaded ${INVOICES} invoices (avg ${averageSize.toFixed(0)} B BSON) in ${loadSeconds.toFixed(1)} s; ` +
        `server RSS ${rssBefore.toFixed(0)} MB -> ${rssLoaded.toFixed(0)} MB`,
    );

    const random = makeRandom(7);
    const phase = (label: string) =>
      console.log(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${label}`);
    phase('find by _id');
    const byId = await versusPing(clients, (client) =>
      client
        .db('bench')
        .collection<NumberedDoc>('invoices')
        .findOne({ _id: Math.floor(random() * INVOICES) }),
    );
    phase('indexed equality');
    const bySecondary = await versusPing(clients, (client) =>
      client
        .db('bench')
        .collection('invoices')
        .findOne({
          number: `INV-2026-${String(Math.floor(random() * INVOICES)).padStart(7, '0')}`,
        }),
    );
    phase('aggregation');
    // One run: over 100k invoices with eight lines each the pipeline unwinds 800k documents.
    const aggregationStarted = performance.now();
    const report = await db.collection('invoices').aggregate(REPORT_PIPELINE).toArray();
    const aggregationMs = performance.now() - aggregationStarted;
    if (report.length === 0) throw new Error('the report pipeline returned nothing');
    console.log(`10-stage aggregation over ${INVOICES} docs: ${aggregationMs.toFixed(0)} ms`);

    phase('membership+org+invoice $lookup aggregate');
    await loadOrgData(db);
    const orgSubject = await orgSubjectRows(clients);

    const latencies = new Map<number, { p50: number; p99: number }>();
    for (const size of LOOKUP_SIZES) {
      phase(`lookup latency, ${size} docs`);
      latencies.set(size, await lookupLatency(db, size));
    }
    const rssFinal = await rssMb(memory.pid);
    await Promise.all(clients.splice(0).map((client) => client.close()));

    phase('durable inserts');
    const durable = await startServer(dataDir);
    servers.push(durable);
    clients.push(...(await connectClients(durable.uri)));
    const inserts = await versusPing(clients, (client, worker, iteration) =>
      client
        .db('bench')
        .collection('durable')
        .insertOne({ worker, iteration, at: new Date(), payload: 'x'.repeat(200) }),
    );

    const small = latencies.get(LOOKUP_SIZES[0]);
    const large = latencies.get(LOOKUP_SIZES[1]);
    if (!small || !large) throw new Error('missing lookup figures');
    const latencyRatio = large.p50 / small.p50;

    console.log('');
    printTable([
      versusRow('find by _id, 100k docs', byId, '>= 50% of ping', byId.ops / byId.ping >= 0.5),
      versusRow('indexed equality (number), 100k docs', bySecondary),
      versusRow(
        'durable insertOne (dbPath server)',
        inserts,
        '>= 30% of ping',
        inserts.ops / inserts.ping >= 0.3,
      ),
      plainRow(
        '10-stage aggregation, 100k docs (1 client)',
        `${(aggregationMs / 1000).toFixed(1)} s/run`,
      ),
      ...orgSubject,
      plainRow(
        'indexed lookup p50 / p99, 10k docs',
        `${small.p50.toFixed(3)} / ${small.p99.toFixed(3)} ms`,
      ),
      plainRow(
        'indexed lookup p50 / p99, 200k docs',
        `${large.p50.toFixed(3)} / ${large.p99.toFixed(3)} ms`,
        '<= 1.5x of 10k',
        latencyRatio <= 1.5,
        `x${latencyRatio.toFixed(2)} p50`,
      ),
      plainRow(
        'server RSS after 100k ~2 KB docs',
        `${rssLoaded.toFixed(0)} MB`,
        '< 1024 MB',
        rssLoaded < 1024,
      ),
      plainRow('server RSS at the end (+210k small docs)', `${rssFinal.toFixed(0)} MB`),
    ]);
    console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.allSettled(servers.map((server) => server.stop()));
    await rm(dataDir, { recursive: true, force: true });
  }
}

await (process.argv.includes('--lookup-only') ? lookupOnly() : main());
