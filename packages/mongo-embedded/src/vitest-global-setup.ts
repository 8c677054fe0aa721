import type { TestProject } from 'vitest/node';
import { startEmbeddedMongo } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the MongoDB the tests use (MONGODB_URI, else an embedded server). */
    mongoUri: string;
  }
}

/**
 * Vitest global setup: provides `mongoUri` to every test (`inject('mongoUri')`).
 * With MONGODB_URI set the suites run against that server unchanged; otherwise one
 * in-memory embedded server serves the whole run and stops after it.
 */
export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.MONGODB_URI;
  if (external !== undefined && external !== '') {
    project.provide('mongoUri', external);
    return undefined;
  }
  const server = await startEmbeddedMongo();
  project.provide('mongoUri', server.uri);
  return () => server.stop();
}
