import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NODE_BUNDLE_OPTIONS } from '@invoice/server/bundle';
import { build, type Plugin } from 'esbuild';

/** bench/ */
const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * npm packages stay imports of the very files they resolve to from their importer (as tsx would
 * load them: one copy of each, the patched @trpc/server included); the workspace's TypeScript
 * (apps/server, packages/*, this folder) is bundled, as the production build bundles it.
 */
const npmPackagesInPlace: Plugin = {
  name: 'npm-packages-in-place',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      if (args.path.startsWith('@invoice/') || args.pluginData === 'in-place') return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'in-place',
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      return { path: pathToFileURL(resolved.path).href, external: true };
    });
  },
};

export interface ChildBundles {
  /** Absolute paths of the bundled entry files. */
  server: string;
  mongo: string;
  remove(): Promise<void>;
}

/**
 * The bench's child processes (the server under test, the database) bundled with esbuild into
 * a temporary directory, so they run as plain JavaScript the way the production bundle
 * (apps/server/bundle.ts) runs: no TypeScript loader in the measured process, and no `keepNames`
 * helpers on every closure.
 */
export async function bundleChildren(): Promise<ChildBundles> {
  // Inside bench/ so the bundles' own imports resolve as the sources' do; .tmp is git-ignored.
  await mkdir(join(BENCH_DIR, '.tmp'), { recursive: true });
  const outdir = await mkdtemp(join(BENCH_DIR, '.tmp', 'children-'));
  try {
    await build({
      ...NODE_BUNDLE_OPTIONS,
      absWorkingDir: BENCH_DIR,
      entryPoints: { server: 'src/server-process.ts', mongo: 'src/mongo-process.ts' },
      outdir,
      plugins: [npmPackagesInPlace],
    });
  } catch (error) {
    await rm(outdir, { recursive: true, force: true });
    throw error;
  }
  return {
    server: join(outdir, 'server.js'),
    mongo: join(outdir, 'mongo.js'),
    remove: () => rm(outdir, { recursive: true, force: true }),
  };
}
