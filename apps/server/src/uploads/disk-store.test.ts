import { close, createWriteStream, existsSync, open, write } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discardTempFile } from './disk-store.js';

describe('discardTempFile', () => {
  const dirs: string[] = [];
  const tempPath = async (name: string) => {
    const dir = await mkdtemp(join(tmpdir(), 'invoice-discard-'));
    dirs.push(dir);
    return join(dir, name);
  };
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('removes the file of a stream destroyed while its open was still running', async () => {
    // Regression: under CI load an upload refused while the temp file's open was still in
    // flight left the file behind: the path was removed before the open created it. A slow
    // open (50 ms) makes that ordering certain.
    const path = await tempPath('refused.part');
    const slowOpen = (...args: Parameters<typeof open>) => {
      setTimeout(() => open(...args), 50);
    };
    const out = createWriteStream(path, {
      flags: 'wx',
      mode: 0o600,
      fs: { open: slowOpen, write, close },
    });
    out.on('error', () => undefined);
    out.destroy(new Error('refused'));
    await discardTempFile(out, path);
    // Whatever the stream still had to do (open, close) is over: the file must be gone.
    if (!out.closed) await new Promise<void>((done) => out.once('close', () => done()));
    expect(existsSync(path)).toBe(false);
  });

  it('removes the file of a stream that finished, and a path with no stream', async () => {
    const path = await tempPath('done.part');
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    await new Promise<void>((done) => out.end('data', done));
    await discardTempFile(out, path);
    expect(existsSync(path)).toBe(false);
    await expect(discardTempFile(undefined, path)).resolves.toBeUndefined();
  });
});
