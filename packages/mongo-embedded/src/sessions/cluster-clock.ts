import { Binary, Long, Timestamp, type Document } from 'bson';

/**
 * The single node's logical clock: `$clusterTime`/`operationTime` in replies, the
 * opTime of writes. Seconds follow the wall clock; the increment orders events
 * within a second, so every write gets a strictly larger timestamp.
 */
export class ClusterClock {
  private seconds = 0;
  private increment = 0;
  private current: Timestamp;
  private readonly signature = { hash: new Binary(Buffer.alloc(20)), keyId: Long.fromNumber(0) };

  constructor() {
    this.current = this.tick();
  }

  /** Advances the clock for a write and returns the new time. */
  tick(): Timestamp {
    const now = Math.floor(Date.now() / 1000);
    if (now > this.seconds) {
      this.seconds = now;
      this.increment = 1;
    } else {
      this.increment += 1;
    }
    this.current = new Timestamp({ t: this.seconds, i: this.increment });
    return this.current;
  }

  now(): Timestamp {
    return this.current;
  }

  /** The `$clusterTime` document gossiped in every reply (unsigned: no auth). */
  clusterTimeDocument(): Document {
    return { clusterTime: this.current, signature: this.signature };
  }
}
