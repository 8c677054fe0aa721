/**
 * kill -9 at random moments of a journal that checkpoints every few hundred KB, so some
 * kills land while a checkpoint is being written, renamed or its segments deleted. After
 * several crashes, every acknowledged append must be there, and each append's two puts
 * must be both present (atomic record).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BSON } from 'bson';
import { describe, expect, it } from 'vitest';
import { createFileDurability } from '../../src/durability/index.js';

const CHILD = fileURLToPath(new URL('./fixtures/append-child.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

interface RoundResult {
  acked: string[];
  checkpoints: number;
}

/** Runs the child until it acknowledged `minAcks` appends, then SIGKILLs it after `delayMs`. */
function crashRound(dbPath: string, tag: string, minAcks: number, delayMs: number) {
  return new Promise<RoundResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dbPath, tag], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result: RoundResult = { acked: [], checkpoints: 0 };
    let stderr = '';
    let buffered = '';
    let killing = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? ''; // a line cut by the kill is not an acknowledgement
      for (const line of lines) {
        if (line.startsWith('A ')) result.acked.push(line.slice(2));
        else if (line === 'C') result.checkpoints++;
      }
      if (!killing && result.acked.length >= minAcks) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(result);
      else reject(new Error(`child exited ${code ?? signal}: ${stderr}`));
    });
  });
}

describe('kill -9 during checkpoints', () => {
  it('loses no acknowledged append and never splits one', async () => {
    const dbPath = await mkdtemp(join(tmpdir(), 'kill9-ckpt-'));
    try {
      const acked: string[] = [];
      let checkpoints = 0;
      const delays = [0, 7, 23, 41, 3, 60];
      for (const [round, delay] of delays.entries()) {
        const result = await crashRound(dbPath, `r${round}`, 400, delay);
        acked.push(...result.acked);
        checkpoints += result.checkpoints;
      }
      expect(checkpoints).toBeGreaterThan(0); // kills did overlap a checkpointing journal

      const durability = await createFileDurability({ dbPath });
      const state = await durability.recover();
      await durability.close();
      const ids = (ns: string): Set<string> => {
        const coll = state.collections.find((c) => c.ns === ns);
        return new Set(
          Array.from(coll?.docs ?? [], (d) =>
            String((d instanceof Uint8Array ? BSON.deserialize(d) : d)._id),
          ),
        );
      };
      const x = ids('crash.x');
      const y = ids('crash.y');
      expect(acked.filter((id) => !x.has(id))).toEqual([]);
      expect([...x].filter((id) => !y.has(id))).toEqual([]);
      expect(y.size).toBe(x.size);
    } finally {
      await rm(dbPath, { recursive: true, force: true });
    }
  }, 180_000);
});
