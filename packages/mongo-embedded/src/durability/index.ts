/**
 * File-backed durability: write-ahead journal + periodic checkpoints (the storage engine
 * calls it through src/storage/durability-contract.ts).
 *
 * Data directory layout (`dbPath`):
 *
 *   mongod.lock             pid of the owning process; refused while that pid runs, taken
 *                           over when it doesn't (killed owner); removed on clean close
 *   checkpoint.ckpt         the latest checkpoint: catalog + every document (snapshot-file.ts);
 *                           replaced only by an atomic rename of a complete, fsynced file
 *   checkpoint.ckpt.tmp     a checkpoint being written; ignored and deleted at startup
 *   journal/j-<seq>.wal     journal segments, 12-digit sequence numbers. The checkpoint names
 *                           the first segment it does not cover (journalStart); recovery
 *                           replays journalStart, journalStart+1, ... in order. Segments below
 *                           journalStart are covered and deleted.
 *
 * Every file is a sequence of frames `u32 length | u32 crc32 | payload` (frame.ts). A
 * journal frame is one group-commit batch (one write + one fdatasync) of one or more
 * appends, so an append is replayed whole or not at all.
 *
 * Recovery policy for damaged journal frames:
 * - damage with no intact frame after it, in this or any later segment, is a torn tail
 *   (the crash hit an unacknowledged write): the file is truncated there and a warning
 *   is logged;
 * - damage followed by intact frames cannot come from a crash (writes are sequential and
 *   each is fsynced before the next starts), so it is media corruption or tampering.
 *   Replaying past it would apply later writes without earlier ones, and dropping what
 *   follows would silently lose acknowledged writes, so startup fails with
 *   JournalCorruptError naming the file and offset; an operator decides (restore a backup,
 *   or truncate the segment by hand to accept the loss).
 *   (Known false alarm: a torn frame whose payload happens to embed the bytes of an intact
 *   frame, e.g. a document storing a copy of a journal file, also refuses to start.)
 * A damaged checkpoint is always an error (it was complete and fsynced before its rename).
 */
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type {
  CollectionSnapshot,
  Durability,
  JournalOp,
  RecoveredState,
} from '../storage/durability-contract.js';
import { findValidFrame, FrameReader, MAX_FRAME_PAYLOAD } from './frame.js';
import { decodeOps, encodeOps, JOURNAL_FORMAT } from './journal-codec.js';
import {
  JournalWriter,
  parseSegmentFileName,
  segmentFileName,
  type WriterStats,
} from './journal-writer.js';
import { acquireLock, isCode, type DbPathLock } from './lock-file.js';
import { RecoveredStateBuilder } from './replay-state.js';
import { readSnapshot, writeSnapshot, type CapturedCollection } from './snapshot-file.js';

export { DbPathLockedError } from './lock-file.js';
export { CheckpointCorruptError } from './snapshot-file.js';

export const CHECKPOINT_FILE = 'checkpoint.ckpt';
export const JOURNAL_DIR = 'journal';
const DEFAULT_CHECKPOINT_BYTES = 64 * 1024 * 1024;
/** One append must fit one frame, or recovery could not read it back. */
const MAX_APPEND_BYTES = MAX_FRAME_PAYLOAD - 1024;

/** pino-compatible subset. */
export interface DurabilityLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface FileDurabilityOptions {
  /** Data directory; created when missing. */
  dbPath: string;
  /** Journal bytes since the last checkpoint after which `shouldCheckpoint()` turns true. */
  checkpointBytes?: number;
  /**
   * fdatasync before acknowledging (default true). Off, a process crash still loses
   * nothing acknowledged (the OS has the bytes) but a power loss may.
   */
  fsync?: boolean;
  logger?: DurabilityLogger;
}

export class JournalCorruptError extends Error {
  override name = 'JournalCorruptError';
}

export interface RecoveryReport {
  checkpointDocuments: number;
  segmentsReplayed: number;
  framesReplayed: number;
  opsReplayed: number;
  /** Set when a torn tail was cut off. */
  truncated?: { file: string; offset: number; droppedBytes: number; reason: string };
}

export interface CheckpointReport {
  journalStart: number;
  bytes: number;
  documents: number;
  segmentsDeleted: number;
}

export interface FileDurability extends Durability {
  readonly dbPath: string;
  /** Counters for tests and serverStatus; `fsyncs` < appends shows group commit at work. */
  readonly stats: Readonly<WriterStats> & {
    checkpoints: number;
    journalBytesSinceCheckpoint: number;
  };
  readonly lastRecovery: RecoveryReport | undefined;
  readonly lastCheckpoint: CheckpointReport | undefined;
}

export async function createFileDurability(
  options: FileDurabilityOptions,
): Promise<FileDurability> {
  if (typeof options.dbPath !== 'string' || options.dbPath === '') {
    throw new TypeError('createFileDurability: dbPath must be a non-empty string');
  }
  const checkpointBytes = options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
  if (!Number.isFinite(checkpointBytes) || checkpointBytes <= 0) {
    throw new RangeError(
      `createFileDurability: checkpointBytes must be > 0, got ${checkpointBytes}`,
    );
  }
  const dbPath = resolve(options.dbPath);
  const created = await mkdir(dbPath, { recursive: true });
  // A new data directory must itself survive a power loss, not just the files in it.
  if (created !== undefined && options.fsync !== false) await fsyncDir(dirname(created));
  const lock = await acquireLock(dbPath);
  return new FileDurabilityImpl(
    dbPath,
    lock,
    checkpointBytes,
    options.fsync ?? true,
    options.logger,
  );
}

class FileDurabilityImpl implements FileDurability {
  lastRecovery: RecoveryReport | undefined;
  lastCheckpoint: CheckpointReport | undefined;
  private writer: JournalWriter | undefined;
  private bytesSinceCheckpoint = 0;
  private checkpoints = 0;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly journalDir: string;

  constructor(
    readonly dbPath: string,
    private readonly lock: DbPathLock,
    private readonly checkpointBytes: number,
    private readonly fsync: boolean,
    private readonly logger: DurabilityLogger | undefined,
  ) {
    this.journalDir = join(dbPath, JOURNAL_DIR);
  }

  get stats(): FileDurability['stats'] {
    const base = this.writer?.stats ?? { fsyncs: 0, writes: 0, appends: 0, bytes: 0 };
    return {
      ...base,
      checkpoints: this.checkpoints,
      journalBytesSinceCheckpoint: this.bytesSinceCheckpoint,
    };
  }

  async recover(): Promise<RecoveredState> {
    if (this.closed) throw new Error('durability is closed');
    if (this.writer) throw new Error('recover() may run only once, before any append');
    await mkdir(this.journalDir, { recursive: true });
    await this.syncDir(this.dbPath);
    await rm(join(this.dbPath, `${CHECKPOINT_FILE}.tmp`), { force: true });

    const builder = new RecoveredStateBuilder((message) =>
      this.logger?.warn({ dbPath: this.dbPath }, `journal replay: ${message}`),
    );
    const report: RecoveryReport = {
      checkpointDocuments: 0,
      segmentsReplayed: 0,
      framesReplayed: 0,
      opsReplayed: 0,
    };
    const checkpointPath = join(this.dbPath, CHECKPOINT_FILE);
    let journalStart = 1;
    const hasCheckpoint = await exists(checkpointPath);
    if (hasCheckpoint) {
      const loaded = await readSnapshot(checkpointPath, builder);
      journalStart = loaded.journalStart;
      report.checkpointDocuments = loaded.documents;
    }

    const segments = await this.listSegments();
    for (const seq of segments.filter((s) => s < journalStart)) {
      await unlink(join(this.journalDir, segmentFileName(seq))); // covered by the checkpoint
    }
    const toReplay = segments.filter((s) => s >= journalStart);
    toReplay.forEach((seq, i) => {
      if (seq !== journalStart + i) {
        throw new JournalCorruptError(
          `journal segment ${segmentFileName(journalStart + i)} is missing in ${this.journalDir}` +
            (hasCheckpoint ? '' : ' (and there is no checkpoint)'),
        );
      }
    });

    if (hasCheckpoint && toReplay.length === 0) {
      // The checkpoint is renamed into place only after its first segment exists.
      throw new JournalCorruptError(
        `journal segment ${segmentFileName(journalStart)} named by ${checkpointPath} is missing ` +
          `from ${this.journalDir}; writes made after that checkpoint would be lost`,
      );
    }
    let journalBytes = 0;
    for (const seq of toReplay) {
      journalBytes += await this.replaySegment(seq, builder, report);
      report.segmentsReplayed++;
    }
    this.bytesSinceCheckpoint = journalBytes;
    // Keep appending to the last segment (its torn tail, if any, is cut off by now), so
    // restarts don't pile up segment files between checkpoints.
    const lastSeq = toReplay.at(-1);
    this.writer = new JournalWriter(
      this.journalDir,
      lastSeq ?? journalStart,
      lastSeq !== undefined,
      this.fsync,
      (dir) => this.syncDir(dir),
    );
    this.lastRecovery = report;
    this.logger?.info({ dbPath: this.dbPath, ...report }, 'recovered from checkpoint and journal');
    return builder.build();
  }

  append(ops: JournalOp[]): Promise<void> {
    const writer = this.writer;
    if (!writer) return Promise.reject(new Error('append() before recover()'));
    let payload: Buffer;
    try {
      payload = encodeOps(ops);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (payload.length > MAX_APPEND_BYTES) {
      return Promise.reject(
        new RangeError(`journal record of ${payload.length} bytes exceeds ${MAX_APPEND_BYTES}`),
      );
    }
    this.bytesSinceCheckpoint += payload.length;
    return writer.append(payload);
  }

  shouldCheckpoint(): boolean {
    return (
      this.writer !== undefined &&
      this.writer.failed === undefined &&
      this.running === undefined &&
      !this.closed &&
      this.bytesSinceCheckpoint >= this.checkpointBytes
    );
  }

  checkpoint(snapshot: () => CollectionSnapshot[]): Promise<void> {
    const writer = this.writer;
    if (!writer) return Promise.reject(new Error('checkpoint() before recover()'));
    if (this.closed) return Promise.reject(new Error('durability is closed'));
    if (this.running) return Promise.reject(new Error('a checkpoint is already running'));
    // The in-memory state may hold writes whose append failed (never acknowledged);
    // a checkpoint would make them durable behind the clients' backs.
    if (writer.failed) return Promise.reject(writer.failed);
    // Synchronous up to the rotation: the snapshot and the segment switch happen at the same
    // instant, so the snapshot holds exactly the records of the segments it covers.
    let captured: CapturedCollection[];
    try {
      captured = snapshot().map((c) => ({ ...c, docs: Array.from(c.docs) }));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const journalStart = writer.rotate();
    const bytesBefore = this.bytesSinceCheckpoint;
    this.bytesSinceCheckpoint = 0;
    const run = this.writeCheckpoint(writer, captured, journalStart).catch((error: unknown) => {
      this.bytesSinceCheckpoint += bytesBefore; // still uncovered: ask again soon
      throw error;
    });
    this.running = run.finally(() => {
      this.running = undefined;
    });
    this.running.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.running?.catch(() => undefined);
    await this.writer?.close();
    await this.lock.release();
  }

  private async writeCheckpoint(
    writer: JournalWriter,
    captured: CapturedCollection[],
    journalStart: number,
  ): Promise<void> {
    const finalPath = join(this.dbPath, CHECKPOINT_FILE);
    const tempPath = `${finalPath}.tmp`;
    try {
      const written = await writeSnapshot(tempPath, captured, journalStart, this.fsync);
      // Segment journalStart must exist on disk before a checkpoint points at it.
      await writer.waitForSegment(journalStart);
      await rename(tempPath, finalPath);
      await this.syncDir(this.dbPath);
      await writer.retireBefore(journalStart);
      let segmentsDeleted = 0;
      for (const seq of await this.listSegments()) {
        if (seq >= journalStart) continue;
        await unlink(join(this.journalDir, segmentFileName(seq)));
        segmentsDeleted++;
      }
      await this.syncDir(this.journalDir);
      this.checkpoints++;
      this.lastCheckpoint = { journalStart, ...written, segmentsDeleted };
    } catch (error) {
      await rm(tempPath, { force: true });
      throw error;
    }
  }

  /** Replays one segment; returns its valid length. */
  private async replaySegment(
    seq: number,
    builder: RecoveredStateBuilder,
    report: RecoveryReport,
  ): Promise<number> {
    const file = join(this.journalDir, segmentFileName(seq));
    const fh = await open(file, 'r+');
    try {
      const { size } = await fh.stat();
      const reader = new FrameReader(fh, size);
      for (;;) {
        const result = await reader.next();
        if (result.kind === 'end') return size;
        if (result.kind === 'frame') {
          if (report.truncated) {
            throw new JournalCorruptError(
              `journal ${report.truncated.file} is damaged at offset ${report.truncated.offset} ` +
                `(${report.truncated.reason}) but a later segment, ${file}, holds records`,
            );
          }
          if (result.payload[0] !== JOURNAL_FORMAT) {
            throw new JournalCorruptError(
              `journal ${file} offset ${result.offset}: unknown format ${String(result.payload[0])}`,
            );
          }
          const ops = decodeOps(result.payload, 1);
          for (const op of ops) builder.apply(op);
          report.framesReplayed++;
          report.opsReplayed += ops.length;
          continue;
        }
        // Damage: a torn tail only if nothing intact follows it.
        const rest = Buffer.allocUnsafe(size - result.offset);
        await fh.read(rest, 0, rest.length, result.offset);
        const intact = findValidFrame(rest, 1);
        if (intact >= 0) {
          throw new JournalCorruptError(
            `journal ${file} is damaged at offset ${result.offset} (${result.reason}) and intact ` +
              `records follow at offset ${result.offset + intact}; refusing to skip or drop them. ` +
              'Restore a backup, or truncate the file at the damaged offset to accept losing what follows.',
          );
        }
        if (!report.truncated) {
          report.truncated = {
            file,
            offset: result.offset,
            droppedBytes: size - result.offset,
            reason: result.reason,
          };
        }
        await fh.truncate(result.offset);
        if (this.fsync) await fh.datasync();
        this.logger?.warn(
          {
            file,
            offset: result.offset,
            droppedBytes: size - result.offset,
            reason: result.reason,
          },
          'journal: torn tail discarded (a write cut short by a crash, never acknowledged)',
        );
        return result.offset;
      }
    } finally {
      await fh.close();
    }
  }

  private async listSegments(): Promise<number[]> {
    const names = await readdir(this.journalDir);
    const seqs: number[] = [];
    for (const name of names) {
      const seq = parseSegmentFileName(name);
      if (seq !== undefined) seqs.push(seq);
    }
    return seqs.sort((a, b) => a - b);
  }

  private async syncDir(dir: string): Promise<void> {
    if (this.fsync) await fsyncDir(dir);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
    throw error;
  }
}

/** Makes a directory's entries (created, renamed, deleted files) durable. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
