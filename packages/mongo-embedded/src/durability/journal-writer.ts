/**
 * The journal's write side: segments and group commit.
 *
 * One flush runs at a time. An append that arrives while a flush is in flight waits in
 * its segment's queue; when the flush ends, everything queued goes out as ONE frame, in
 * ONE write, made durable by ONE fdatasync. So under load the number of fsyncs follows
 * the disk's pace, not the number of writers, and one frame is all-or-nothing after a
 * crash: a batch is never half replayed.
 *
 * Segments: `rotate()` (at checkpoint time) starts a new segment synchronously; later
 * appends queue there. Older segments are flushed first, so the journal stays ordered
 * on disk. After a failed write or fsync the file's state is unknown, so the writer
 * refuses every further append (the server must restart and recover) rather than guess.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFrame, writeFully } from './frame.js';
import { JOURNAL_FORMAT } from './journal-codec.js';

export interface WriterStats {
  /** fdatasync calls on journal segments (the group-commit metric). */
  fsyncs: number;
  /** write calls (= frames = group-commit batches). */
  writes: number;
  /** appends made durable. */
  appends: number;
  bytes: number;
}

interface Waiter {
  payload: Buffer;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Segment {
  seq: number;
  path: string;
  handle: Promise<FileHandle>;
  queue: Waiter[];
}

/** Caps one group-commit frame (the first append of a batch always goes, whatever its size). */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export function segmentFileName(seq: number): string {
  return `j-${String(seq).padStart(12, '0')}.wal`;
}

export function parseSegmentFileName(name: string): number | undefined {
  const match = /^j-(\d{12})\.wal$/.exec(name);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export class JournalWriter {
  readonly stats: WriterStats = { fsyncs: 0, writes: 0, appends: 0, bytes: 0 };
  private readonly segments: Segment[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  private inFlight: Segment | undefined;
  private batchWaiters: (() => void)[] = [];

  /** `continueExisting`: append to segment `firstSeq` as recovery left it (intact end). */
  constructor(
    private readonly dir: string,
    firstSeq: number,
    continueExisting: boolean,
    private readonly fsync: boolean,
    private readonly syncDir: (dir: string) => Promise<void>,
  ) {
    this.segments.push(this.createSegment(firstSeq, continueExisting));
  }

  /** Set once a write or fsync failed: the journal accepts nothing more until a restart. */
  get failed(): Error | undefined {
    return this.failure === undefined ? undefined : this.failureError();
  }

  append(payload: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    if (this.failure !== undefined) return Promise.reject(this.failureError());
    return new Promise<void>((resolve, reject) => {
      this.active().queue.push({ payload, resolve, reject });
      this.kick();
    });
  }

  /** Resolves once segment `seq` exists on disk (its directory entry synced). */
  async waitForSegment(seq: number): Promise<void> {
    const segment = this.segments.find((s) => s.seq === seq);
    if (!segment) throw new Error(`journal segment ${seq} is not open`);
    await segment.handle;
  }

  /** Starts a new segment now; returns its sequence number. */
  rotate(): number {
    const seq = this.active().seq + 1;
    this.segments.push(this.createSegment(seq));
    return seq;
  }

  /** Resolves once the journal is idle: every queued append is durable (or has failed). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /**
   * Waits until segments older than `seq` have no queued or in-flight writes, then closes
   * them (a checkpoint deletes them next). Doesn't wait for newer segments' traffic.
   */
  async retireBefore(seq: number): Promise<void> {
    const older = (): Segment[] => this.segments.filter((s) => s.seq < seq);
    while (older().some((s) => s.queue.length > 0 || s === this.inFlight)) {
      await new Promise<void>((resolve) => this.batchWaiters.push(resolve));
    }
    for (const segment of older()) await this.retire(segment);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
    for (const segment of this.segments.splice(0)) {
      await segment.handle.then((fh) => fh.close()).catch(() => undefined);
    }
  }

  private active(): Segment {
    const segment = this.segments.at(-1);
    if (!segment) throw new Error('unreachable: journal has no segment');
    return segment;
  }

  private createSegment(seq: number, continueExisting = false): Segment {
    const path = join(this.dir, segmentFileName(seq));
    const handle = (async () => {
      if (continueExisting) return open(path, 'a');
      // 'ax': append-only, and never reuse an existing file (a leftover would mean a bug).
      const fh = await open(path, 'ax');
      if (this.fsync) await this.syncDir(this.dir); // the new name must survive a crash too
      return fh;
    })();
    handle.catch(() => undefined); // surfaced by the flush that needs it
    return { seq, path, handle, queue: [] };
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      this.notifyBatch();
      // An append may have queued between the loop's last check and this callback.
      if (this.segments.some((s) => s.queue.length > 0)) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    for (;;) {
      // Retire drained older segments; flush the oldest one with work.
      for (const old of this.segments.slice(0, -1)) {
        if (old.queue.length === 0) await this.retire(old);
      }
      const segment = this.segments.find((s) => s.queue.length > 0);
      if (!segment) return;
      const batch = takeBatch(segment.queue);
      this.inFlight = segment;
      try {
        if (this.failure !== undefined) throw this.failureError();
        const fh = await segment.handle;
        const frame = encodeFrame([Uint8Array.of(JOURNAL_FORMAT), ...batch.map((w) => w.payload)]);
        await writeFully(fh, frame);
        this.stats.writes++;
        if (this.fsync) {
          await fh.datasync();
          this.stats.fsyncs++;
        }
        this.stats.appends += batch.length;
        this.stats.bytes += frame.length;
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        this.failure ??= error;
        for (const waiter of batch) waiter.reject(this.failureError());
      } finally {
        this.inFlight = undefined;
        this.notifyBatch();
      }
    }
  }

  private notifyBatch(): void {
    for (const resolve of this.batchWaiters.splice(0)) resolve();
  }

  private async retire(segment: Segment): Promise<void> {
    const index = this.segments.indexOf(segment);
    if (index < 0 || index === this.segments.length - 1) return; // gone, or still active
    this.segments.splice(index, 1);
    await segment.handle.then((fh) => fh.close()).catch(() => undefined);
  }

  private failureError(): Error {
    const cause = this.failure;
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new Error(`journal write failed earlier (${detail}); restart to recover`, { cause });
  }
}

function takeBatch(queue: Waiter[]): Waiter[] {
  let count = 0;
  let bytes = 0;
  while (count < queue.length) {
    const next = queue[count];
    if (!next || (count > 0 && bytes + next.payload.length > MAX_BATCH_BYTES)) break;
    bytes += next.payload.length;
    count++;
  }
  return queue.splice(0, count);
}
