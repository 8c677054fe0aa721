import { MongoClient } from 'mongodb';
import type { TestProject } from 'vitest/node';
import { afterEach, describe, expect, it } from 'vitest';
import setup from '../../src/vitest-global-setup.js';

/** The one TestProject method the setup uses, recording what it provides. */
function recordingProject(): { project: TestProject; provided: Map<string, unknown> } {
  const provided = new Map<string, unknown>();
  const project = { provide: (key: string, value: unknown) => provided.set(key, value) };
  return { project: project as unknown as TestProject, provided };
}

const savedUri = process.env.MONGODB_URI;
afterEach(() => {
  if (savedUri === undefined) delete process.env.MONGODB_URI;
  else process.env.MONGODB_URI = savedUri;
});

describe('vitest global setup', () => {
  it('starts an embedded server, provides its URI and stops it on teardown', async () => {
    delete process.env.MONGODB_URI;
    const { project, provided } = recordingProject();
    const teardown = await setup(project);
    const uri = provided.get('mongoUri') as string;
    expect(uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
    const client = new MongoClient(uri);
    expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
    await client.close();
    expect(teardown).toBeTypeOf('function');
    await teardown!();
    const after = new MongoClient(uri, { serverSelectionTimeoutMS: 300 });
    await expect(after.connect()).rejects.toThrow();
    await after.close();
  });

  it('passes MONGODB_URI through without starting anything', async () => {
    process.env.MONGODB_URI = 'mongodb://db.example.invalid:27017/';
    const { project, provided } = recordingProject();
    expect(await setup(project)).toBeUndefined();
    expect(provided.get('mongoUri')).toBe('mongodb://db.example.invalid:27017/');
  });
});
