import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * patches/mongodb@7.9.0.patch: on Node 20 (V8 11.3) an object literal that starts with a spread
 * and has more properties, `{ ...a, b }`, gets a fresh hidden class on every evaluation. The
 * driver built several per operation; each one cost a new Map in old space, a promoted
 * descriptor array and a megamorphic inline cache wherever the object was read
 * (bench/README.md, "Driver patch"). The patch writes them as `Object.assign({}, a, { b })`.
 *
 * It also keeps the client's active sessions and cursors out of `Set`s: one member in and out per
 * operation made V8 replace the set's hash table every few dozen operations, and the replaced
 * tables chained every operation they had held into the old generation.
 */
const require = createRequire(import.meta.url);
const driverLib = join(dirname(require.resolve('mongodb/package.json')), 'lib');

/** The files an ordinary read, write or transaction runs through, as patched. */
const PER_OPERATION_FILES = [
  'cmap/connection.js',
  'cmap/connection_pool.js',
  'cmap/wire_protocol/compression.js',
  'cmap/wire_protocol/on_demand/document.js',
  'cmap/wire_protocol/responses.js',
  'operations/aggregate.js',
  'operations/command.js',
  'operations/delete.js',
  'operations/find.js',
  'operations/insert.js',
  'operations/run_command.js',
  'operations/update.js',
  'cursor/abstract_cursor.js',
  'cursor/aggregation_cursor.js',
  'cursor/find_cursor.js',
  'bulk/common.js',
  'collection.js',
  'db.js',
  'sessions.js',
  'utils.js',
  'write_concern.js',
];

/** `file:line` of every object literal that starts with a spread and has more properties. */
function leadingSpreadLiterals(file: string): string[] {
  const text = readFileSync(join(driverLib, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const first = ts.isObjectLiteralExpression(node) ? node.properties[0] : undefined;
    if (first && ts.isSpreadAssignment(first) && ts.isObjectLiteralExpression(node)) {
      if (node.properties.length > 1) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push(`${file}:${line + 1}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('the installed MongoDB driver carries patches/mongodb@7.9.0.patch', () => {
  it('builds no per-operation object with a leading spread', () => {
    expect(PER_OPERATION_FILES.flatMap(leadingSpreadLiterals)).toEqual([]);
  });

  it('gives the options objects of two cursors one hidden class', () => {
    // V8's own answer, in a child with natives syntax (never in this process). The cursors
    // are only constructed: nothing connects.
    const script = `
      const { MongoClient } = require('mongodb');
      const coll = new MongoClient('mongodb://127.0.0.1:9').db('x').collection('y');
      const find = () => coll.find({ a: 1 }).deserializationOptions;
      const agg = () => coll.aggregate([{ $match: { a: 1 } }]).deserializationOptions;
      for (let i = 0; i < 50; i++) { find(); agg(); }
      console.log(JSON.stringify({ find: %HaveSameMap(find(), find()), aggregate: %HaveSameMap(agg(), agg()) }));
    `;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ find: true, aggregate: true });
  });
});

describe("the patched driver's active sessions and cursors", () => {
  /** The client's internal state, which the driver's typings keep private. */
  function activeSets(client: MongoClient): { sessions: unknown; cursors: unknown } {
    const state = Reflect.get(client, 's') as { activeSessions: unknown; activeCursors: unknown };
    return { sessions: state.activeSessions, cursors: state.activeCursors };
  }

  it('are not kept in Sets', () => {
    const { sessions, cursors } = activeSets(new MongoClient('mongodb://127.0.0.1:9'));
    expect(sessions).not.toBeInstanceOf(Set);
    expect(cursors).not.toBeInstanceOf(Set);
  });

  it('still tracks sessions in order, forgets ended ones and ends the rest on close', async () => {
    // Nothing connects: starting and ending sessions and closing the client are local.
    const client = new MongoClient('mongodb://127.0.0.1:9');
    const tracked = activeSets(client).sessions as Iterable<unknown> & { size: number };
    const [a, b, c] = [client.startSession(), client.startSession(), client.startSession()];
    expect(tracked.size).toBe(3);
    expect([...tracked]).toEqual([a, b, c]);
    await b.endSession();
    expect(tracked.size).toBe(2);
    expect([...tracked]).toEqual([a, c]);
    await client.close();
    expect([a.hasEnded, c.hasEnded]).toEqual([true, true]);
    expect(tracked.size).toBe(0);
  });
});
