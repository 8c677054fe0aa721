import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';

/** apps/server */
export const SERVER_DIR = fileURLToPath(new URL('.', import.meta.url));

const manifest = JSON.parse(readFileSync(`${SERVER_DIR}package.json`, 'utf8')) as {
  dependencies?: Record<string, string>;
};

/**
 * npm packages the server declares as runtime dependencies: left as imports, resolved from
 * apps/server/node_modules at run time (the production install keeps exactly these).
 * Workspace packages (`workspace:*`) are inlined.
 */
export const EXTERNAL_PACKAGES = Object.entries(manifest.dependencies ?? {})
  .filter(([, range]) => !range.startsWith('workspace:'))
  .map(([name]) => name);

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Declared dependencies stay external; workspace packages and anything they use that the
 * server does not declare (the embedded database's `bson` and `mingo`) are bundled, so the
 * output never imports a package that is missing from the server's own node_modules.
 */
const externals: Plugin = {
  name: 'server-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      if (EXTERNAL_PACKAGES.includes(packageName(args.path)))
        return { path: args.path, external: true };
      return undefined;
    });
  },
};

/**
 * Node options production runs the bundle with (README "Production", deploy/Dockerfile,
 * deploy/invoice-api.service; the bench's server child uses them too; test/deploy.test.ts keeps
 * them in step). `--max-semi-space-size=64` (MiB, default 16): with dozens of requests in
 * flight, a 16 MiB young generation fills before their objects die, so V8 copies and promotes
 * them and the old generation collects more often. On the 2-core development machine,
 * `invoice.list` (32 connections) cost 9–27% less API CPU per request in 4 of 4 alternating A/B
 * pairs, `invoice.byId` neither gained nor lost. The price: up to 3 × 64 MiB of young
 * generation per process under load.
 */
export const PRODUCTION_NODE_OPTIONS = ['--max-semi-space-size=64'] as const;

/**
 * How Node code is bundled here: ESM for Node 20, code loaded by dynamic import in separate
 * chunks, and a `require` for bundled CommonJS (ESM has none). The bench bundles the processes it
 * measures with the same options (bench/src/bundle.ts).
 */
export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
} as const satisfies BuildOptions;

export interface BundleResult {
  /** Absolute path of the entry file, `<outdir>/main.js`. */
  main: string;
  metafile: Metafile;
}

/**
 * Bundles src/main.ts into `<outdir>/main.js` (ESM, Node 20). Code loaded by dynamic import
 * (zero-config mode: the embedded database, the emulator launcher) goes to separate chunks
 * that a production process never loads. `outdir` must sit inside apps/server, so the
 * externals resolve from its node_modules.
 */
export async function bundleServer(outdir: string): Promise<BundleResult> {
  const result = await build({
    absWorkingDir: SERVER_DIR,
    ...NODE_BUNDLE_OPTIONS,
    entryPoints: { main: 'src/main.ts' },
    outdir,
    sourcemap: 'linked',
    metafile: true,
    plugins: [externals],
  });
  return { main: `${outdir}/main.js`, metafile: result.metafile };
}
