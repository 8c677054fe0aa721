import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The client's public API (InvoiceClient, AppRouter, RouterInputs, RouterOutputs) is built from
 * `@invoice/api`'s types, and its `exports` point at TypeScript source that a frontend compiles.
 * Every package its source imports (src/index.ts and the modules beside it, `import type`
 * included) must then be installed for the frontend: a dependency (or peer dependency), not a
 * devDependency, which a consumer's install (a published package, `pnpm install --prod`,
 * `pnpm deploy`) leaves out.
 */
const dir = new URL('../', import.meta.url);
const sources = readdirSync(new URL('src/', dir))
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => readFileSync(new URL(`src/${name}`, dir), 'utf8'));
const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

describe('@invoice/client package.json', () => {
  it('declares as a dependency every package its public source imports', () => {
    const imported = new Set(
      sources.flatMap((source) =>
        [...source.matchAll(/\bfrom\s+'([^.'][^']*)'/g)].map((m) => packageName(m[1] ?? '')),
      ),
    );
    expect(imported).toContain('@invoice/api');
    const installed = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const missing = [...imported].filter((name) => !installed.has(name));
    // It was a devDependency only (this test failed before).
    expect(missing).toEqual([]);
  });
});
