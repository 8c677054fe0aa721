import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedMongo } from '../../src/server.js';
import type { Doc } from './harness.js';

const bin = path.resolve(import.meta.dirname, '../../bin/mongo-embedded.js');
let dbPath: string;

beforeAll(async () => {
  dbPath = await mkdtemp(path.join(tmpdir(), 'mongo-embedded-cli-'));
});
afterAll(async () => {
  await rm(dbPath, { recursive: true, force: true });
});

/** Starts the CLI and resolves with its URI once it printed the ready line. */
function startCli(args: string[]): Promise<{ child: ChildProcess; uri: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (mongodb:\/\/\S+)/.exec(out);
      if (match) resolve({ child, uri: match[1]! });
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`CLI exited with ${code}: ${err}`)));
  });
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('mongo-embedded CLI', () => {
  it('serves a data directory, shuts down cleanly on SIGTERM and recovers the data', async () => {
    const first = await startCli(['--dbpath', dbPath, '--port', '0', '--quiet']);
    const client = new MongoClient(first.uri);
    await client
      .db('cli')
      .collection<Doc>('things')
      .insertMany([{ _id: 1 }, { _id: 2 }]);
    await client.close();
    const exited = exitCode(first.child);
    first.child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const second = await startCli(['--dbpath', dbPath, '--port', '0', '--quiet']);
    const again = new MongoClient(second.uri);
    try {
      expect(await again.db('cli').collection<Doc>('things').find().toArray()).toEqual([
        { _id: 1 },
        { _id: 2 },
      ]);
    } finally {
      await again.close();
      const done = exitCode(second.child);
      second.child.kill('SIGINT');
      expect(await done).toBe(0);
    }
  });

  it('exits with a usage error on unknown options', async () => {
    const child = spawn(process.execPath, [bin, '--frobnicate'], { stdio: 'ignore' });
    expect(await exitCode(child)).toBe(2);
  });
});

describe('startEmbeddedMongo', () => {
  it('refuses a non-loopback bind without allowRemote', async () => {
    await expect(startEmbeddedMongo({ host: '0.0.0.0' })).rejects.toThrow(/allowRemote/);
  });
});
