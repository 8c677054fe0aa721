import { spawn } from 'node:child_process';
import { appendFile, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BSON, Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import { describe, expect, it } from 'vitest';
import type { CollectionSnapshot, JournalOp } from '../storage/durability-contract.js';
import {
  CHECKPOINT_FILE,
  createFileDurability,
  DbPathLockedError,
  JournalCorruptError,
  JOURNAL_DIR,
  type FileDurability,
} from './index.js';
import { toReplayOp } from './journal-codec.js';
import { RecoveredStateBuilder } from './replay-state.js';
import { plain, uuidOf, withTempDir } from './test-helpers.js';

const NS = 'app.invoices';
const create: JournalOp = { op: 'createCollection', ns: NS, options: {}, uuid: uuidOf(7) };
const put = (id: number, extra: Record<string, unknown> = {}): JournalOp => ({
  op: 'put',
  ns: NS,
  doc: { _id: id, ...extra },
});

async function open(dir: string, checkpointBytes?: number): Promise<FileDurability> {
  return createFileDurability(
    checkpointBytes === undefined ? { dbPath: dir } : { dbPath: dir, checkpointBytes },
  );
}

/** Recovers `dir` in a fresh instance and closes it again. */
async function reopen(dir: string): Promise<{ ids: unknown[]; d: FileDurability }> {
  const d = await open(dir);
  const state = await d.recover();
  await d.close();
  const coll = plain(state).find((c) => c.ns === NS);
  return { ids: coll ? coll.docs.map((doc): unknown => doc._id) : [], d };
}

async function segmentPaths(dir: string): Promise<string[]> {
  const names = (await readdir(join(dir, JOURNAL_DIR))).sort();
  return names.map((n) => join(dir, JOURNAL_DIR, n));
}

/** Writes `appends` one after another into a fresh dbPath; returns its (single) segment. */
async function journalWith(dir: string, ...appends: JournalOp[][]): Promise<string> {
  const d = await open(dir);
  await d.recover();
  for (const ops of appends) await d.append(ops);
  await d.close();
  const [segment] = await segmentPaths(dir);
  if (!segment) throw new Error('no segment');
  return segment;
}

function snapshotOf(ops: JournalOp[]): () => CollectionSnapshot[] {
  return () => {
    const builder = new RecoveredStateBuilder();
    for (const op of ops) builder.apply(toReplayOp(op));
    return builder.build().collections;
  };
}

describe('createFileDurability', () => {
  it('round-trips every op kind and keeps BSON types exactly', () =>
    withTempDir(async (dir) => {
      const d = await open(dir);
      expect((await d.recover()).collections).toEqual([]);
      const doc = {
        _id: new ObjectId(),
        int: new Int32(5),
        dbl: new Double(5),
        long: Long.fromNumber(5),
        dec: Decimal128.fromString('1.10'),
        nested: { arr: [1, 'two', null], when: new Date(0) },
        bin: new Uint8Array([1, 2, 3]),
      };
      await d.append([create, { op: 'put', ns: NS, doc }, put(2)]);
      await d.append([
        { op: 'createIndex', ns: NS, spec: { name: 'n_1', key: { n: 1 }, unique: true } },
        {
          op: 'createCollection',
          ns: 'app.tmp',
          options: { validator: { $jsonSchema: {} } },
          uuid: uuidOf(8),
        },
        { op: 'renameCollection', from: 'app.tmp', to: 'app.tmp2', dropTarget: false },
        { op: 'del', ns: NS, id: 2 },
      ]);
      await d.close();

      const d2 = await open(dir);
      const state = await d2.recover();
      await d2.close();
      const colls = plain(state);
      expect(colls.map((c) => c.ns)).toEqual(['app.invoices', 'app.tmp2']);
      const recovered = Array.from(state.collections.find((c) => c.ns === NS)?.docs ?? []);
      expect(recovered).toHaveLength(1);
      // Byte-identical to what the engine handed in: no int/double/long re-typing.
      expect(Buffer.from(recovered[0] as Uint8Array)).toEqual(Buffer.from(BSON.serialize(doc)));
      expect(colls[0]?.indexes).toEqual([{ name: 'n_1', key: { n: 1 }, unique: true }]);
      expect(colls[1]?.options).toEqual({ validator: { $jsonSchema: {} } });
      expect(d2.lastRecovery?.opsReplayed).toBe(7);
    }));

  it('group-commits concurrent appends: fewer fsyncs than appends, every append acknowledged', () =>
    withTempDir(async (dir) => {
      const d = await open(dir);
      await d.recover();
      await d.append([create]);
      const before = d.stats;
      // 200 appends issued together: whatever is queued when a flush starts shares its one
      // write+fsync (the first may go alone if the journal was idle).
      await Promise.all(Array.from({ length: 200 }, (_, i) => d.append([put(i)])));
      const after = d.stats;
      expect(after.appends - before.appends).toBe(200);
      expect(after.fsyncs - before.fsyncs).toBeGreaterThanOrEqual(1);
      expect(after.fsyncs - before.fsyncs).toBeLessThanOrEqual(3);
      expect(after.writes - before.writes).toBe(after.fsyncs - before.fsyncs);
      await d.close();
      expect((await reopen(dir)).ids).toHaveLength(200);
    }));

  it('splits group commits of large records into frames of at most 16 MB, and reads them back', () =>
    withTempDir(async (dir) => {
      const d = await open(dir);
      await d.recover();
      await d.append([create]);
      const before = d.stats.writes;
      const big = 'b'.repeat(6 * 1024 * 1024); // larger than the reader's 1 MB chunks
      await Promise.all([1, 2, 3, 4].map((i) => d.append([put(i, { big })])));
      // 24 MB can't share one frame under the 16 MB cap; at most two 6 MB records share one.
      expect(d.stats.writes - before).toBeGreaterThanOrEqual(2);
      expect(d.stats.writes - before).toBeLessThanOrEqual(3);
      await d.close();
      expect((await reopen(dir)).ids).toEqual([1, 2, 3, 4]);
    }));

  it('sequential appends each get their own fsync (nothing acknowledged before it is on disk)', () =>
    withTempDir(async (dir) => {
      const d = await open(dir);
      await d.recover();
      for (let i = 0; i < 5; i++) await d.append([i === 0 ? create : put(i)]);
      expect(d.stats.fsyncs).toBe(5);
      await d.close();
    }));

  it('discards a torn tail (half a record) and keeps appending after it', () =>
    withTempDir(async (dir) => {
      const segment = await journalWith(dir, [create, put(1)], [put(2, { pad: 'x'.repeat(500) })]);
      const full = (await stat(segment)).size;
      await truncate(segment, full - 100); // the last record lost its end

      const d2 = await open(dir);
      const state = await d2.recover();
      expect(plain(state)[0]?.docs.map((x): unknown => x._id)).toEqual([1]);
      expect(d2.lastRecovery?.truncated?.reason).toBe('short record');
      expect((await stat(segment)).size).toBeLessThan(full - 100); // cut back to the intact end
      await d2.append([put(3)]);
      await d2.close();
      expect(await segmentPaths(dir)).toEqual([segment]); // appended after the cut, no new file
      expect((await reopen(dir)).ids).toEqual([1, 3]);
    }));

  it('discards garbage appended after the last record (zeros or random bytes)', () =>
    withTempDir(async (dir) => {
      const segment = await journalWith(dir, [create, put(1)]);
      await appendFile(segment, Buffer.alloc(4096)); // zero-filled tail after power loss
      await appendFile(segment, Buffer.from('not a journal record at all'));
      expect((await reopen(dir)).ids).toEqual([1]);
    }));

  it('treats a bad checksum in the last record as a torn tail', () =>
    withTempDir(async (dir) => {
      const segment = await journalWith(dir, [create, put(1)], [put(2)]);
      const bytes = await readFile(segment);
      bytes[bytes.length - 3] = (bytes.at(-3) ?? 0) ^ 0xff;
      await writeFile(segment, bytes);
      const d2 = await open(dir);
      const state = await d2.recover();
      await d2.close();
      expect(plain(state)[0]?.docs.map((x): unknown => x._id)).toEqual([1]);
      expect(d2.lastRecovery?.truncated?.reason).toBe('checksum mismatch');
    }));

  it('refuses to start when a damaged record is followed by intact ones (no silent skip)', () =>
    withTempDir(async (dir) => {
      const segment = await journalWith(dir, [create, put(1)], [put(2)], [put(3)]);
      const bytes = await readFile(segment);
      bytes[20] = (bytes[20] ?? 0) ^ 0x01; // inside the first record
      await writeFile(segment, bytes);
      const d2 = await open(dir);
      await expect(d2.recover()).rejects.toThrow(JournalCorruptError);
      await expect(d2.recover()).rejects.toThrow(/intact records follow/);
      await d2.close();
      expect((await readFile(segment)).equals(bytes)).toBe(true); // nothing was truncated
    }));

  it('checkpoints: later appends survive, covered segments are deleted, state is identical', () =>
    withTempDir(async (dir) => {
      const d = await open(dir, 1);
      await d.recover();
      const ops: JournalOp[] = [create];
      await d.append([create]);
      for (let i = 0; i < 50; i++) {
        const op = put(i, { body: 'y'.repeat(100) });
        ops.push(op);
        await d.append([op]);
      }
      expect(d.shouldCheckpoint()).toBe(true);
      const cp = d.checkpoint(snapshotOf(ops));
      expect(d.shouldCheckpoint()).toBe(false);
      // Appended while the checkpoint is being written: must land in the new segment.
      const late = [put(100), { op: 'del', ns: NS, id: 3 } satisfies JournalOp];
      ops.push(...late);
      await Promise.all([cp, d.append(late)]);
      expect(d.lastCheckpoint?.documents).toBe(50);
      expect(d.lastCheckpoint?.segmentsDeleted).toBe(1);
      await d.close();

      expect(await segmentPaths(dir)).toHaveLength(1);
      const d2 = await open(dir);
      const state = await d2.recover();
      await d2.close();
      expect(d2.lastRecovery?.checkpointDocuments).toBe(50);
      expect(plain(state)).toEqual(plain({ collections: snapshotOf(ops)() }));
    }));

  it('ignores a checkpoint temp file left by a crash mid-checkpoint', () =>
    withTempDir(async (dir) => {
      await journalWith(dir, [create, put(1)]);
      await writeFile(join(dir, `${CHECKPOINT_FILE}.tmp`), Buffer.from('half-written checkpoint'));
      expect((await reopen(dir)).ids).toEqual([1]);
      expect(await readdir(dir)).not.toContain(`${CHECKPOINT_FILE}.tmp`);
    }));

  it('survives a crash after the checkpoint rename but before old segments were deleted', () =>
    withTempDir(async (dir) => {
      const d = await open(dir);
      await d.recover();
      const ops: JournalOp[] = [create, put(1), put(2)];
      await d.append(ops);
      await d.close();
      const oldSegments = await Promise.all(
        (await segmentPaths(dir)).map(async (p) => [p, await readFile(p)] as const),
      );
      const d2 = await open(dir);
      await d2.recover();
      await d2.checkpoint(snapshotOf(ops));
      await d2.append([put(3)]);
      await d2.close();
      // Put the covered segment back, as if the crash hit before its deletion.
      for (const [p, bytes] of oldSegments) await writeFile(p, bytes);
      expect((await reopen(dir)).ids).toEqual([1, 2, 3]);
    }));

  it('refuses to start when journal segments after the checkpoint are missing', () =>
    withTempDir(async (dir) => {
      const d = await open(dir);
      await d.recover();
      await d.append([create, put(1)]);
      await d.checkpoint(snapshotOf([create, put(1)]));
      await d.append([put(2)]);
      await d.close();
      await rm(join(dir, JOURNAL_DIR), { recursive: true });
      const d2 = await open(dir);
      await expect(d2.recover()).rejects.toThrow(/j-000000000002\.wal .* is missing/);
      await d2.close();
    }));

  it('refuses a damaged checkpoint rather than starting from a partial state', () =>
    withTempDir(async (dir) => {
      const d = await open(dir);
      await d.recover();
      await d.append([create, put(1)]);
      await d.checkpoint(snapshotOf([create, put(1)]));
      await d.close();
      const file = join(dir, CHECKPOINT_FILE);
      await truncate(file, (await stat(file)).size - 1);
      const d2 = await open(dir);
      await expect(d2.recover()).rejects.toThrow(/checkpoint .* is damaged/);
      await d2.close();
    }));

  it('locks dbPath: a second open is refused, a stale lock of a dead process is taken over', () =>
    withTempDir(async (dir) => {
      const d = await open(dir);
      await expect(open(dir)).rejects.toThrow(DbPathLockedError);
      await d.close();

      // A live foreign owner.
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
      const pid = child.pid;
      if (pid === undefined) throw new Error('no child pid');
      await writeFile(join(dir, 'mongod.lock'), `${pid}\n`);
      await expect(open(dir)).rejects.toThrow(new RegExp(`in use by process ${pid}`));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      // Now stale: taken over.
      const d2 = await open(dir);
      expect((await readFile(join(dir, 'mongod.lock'), 'utf8')).split(' ')[0]).toBe(
        String(process.pid),
      );
      await d2.close();
      expect(await readdir(dir)).not.toContain('mongod.lock');

      // A live pid whose start time differs from the recorded one: the pid was reused by
      // another process (e.g. a restarted container), so the lock is stale.
      if (process.platform === 'linux') {
        await writeFile(join(dir, 'mongod.lock'), `${process.ppid} 1\n`);
        const d3 = await open(dir);
        await d3.close();
      }
    }));

  it('after a failed journal write, refuses every later append instead of guessing', () =>
    withTempDir(async (dir) => {
      const d = await open(dir);
      await d.recover();
      await d.append([create, put(1)]);
      // Make the next segment impossible to create: the journal directory becomes a file.
      await rm(join(dir, JOURNAL_DIR), { recursive: true });
      await writeFile(join(dir, JOURNAL_DIR), 'not a directory');
      await expect(d.checkpoint(snapshotOf([create, put(1)]))).rejects.toThrow();
      await expect(d.append([put(2)])).rejects.toThrow(/journal write failed earlier.*restart/);
      await expect(d.append([put(3)])).rejects.toThrow(/journal write failed earlier/);
      expect(d.shouldCheckpoint()).toBe(false);
      await expect(d.checkpoint(snapshotOf([]))).rejects.toThrow(/journal write failed earlier/);
      await d.close();
    }));

  it('rejects bad options and misuse with clear errors', () =>
    withTempDir(async (dir) => {
      await expect(createFileDurability({ dbPath: '' })).rejects.toThrow(/dbPath/);
      await expect(createFileDurability({ dbPath: dir, checkpointBytes: 0 })).rejects.toThrow(
        /checkpointBytes/,
      );
      const d = await open(dir);
      await expect(d.append([create])).rejects.toThrow(/before recover/);
      await d.close();
    }));
});
