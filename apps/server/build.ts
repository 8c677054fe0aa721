import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { bundleServer, SERVER_DIR } from './bundle.js';

/** `pnpm build`: the production bundle in apps/server/dist (run it with `node dist/main.js`). */
const outdir = join(SERVER_DIR, 'dist');
await rm(outdir, { recursive: true, force: true });
const { main, metafile } = await bundleServer(outdir);
for (const [file, output] of Object.entries(metafile.outputs)) {
  if (file.endsWith('.map')) continue;
  process.stdout.write(`${file.padEnd(40)} ${(output.bytes / 1024).toFixed(0).padStart(6)} KiB\n`);
}
process.stdout.write(`built ${relative(process.cwd(), main)}\n`);
