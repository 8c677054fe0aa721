import { describe, expect, it } from 'vitest';
import { createStorageEngine } from '../storage/index.js';
import { SessionManager } from './session-manager.js';

describe('SessionManager', () => {
  it('aborts a transaction that outlives its lifetime, and ends idle sessions', async () => {
    const storage = await createStorageEngine();
    const ended: string[] = [];
    const sessions = new SessionManager(storage, (keys) => ended.push(...keys), {
      sessionTimeoutMs: 10_000,
      transactionLifetimeMs: 1_000,
    });
    try {
      const session = sessions.acquire('s1');
      session.txnNumber = 1n;
      session.txn = storage.beginTransaction('s1:1');
      session.txnState = 'inProgress';
      session.txnStartedAt = Date.now();
      await storage.createCollection({ db: 'd', coll: 'c' });
      session.txn.writes.insert({ db: 'd', coll: 'c' }, { _id: 1 });

      sessions.reap(Date.now() + 500);
      expect(session.txnState).toBe('inProgress');
      sessions.reap(Date.now() + 2_000);
      expect(session.txnState).toBe('aborted');
      expect(storage.scan({ db: 'd', coll: 'c' }, { filter: {} }).docs).toEqual([]);
      expect(ended).toEqual([]);

      sessions.reap(Date.now() + 20_000);
      expect(ended).toEqual(['s1']);
      expect(sessions.size).toBe(0);
    } finally {
      sessions.close();
      await storage.close();
    }
  });

  it('keys sessions by the hex of lsid.id and ignores malformed lsids', () => {
    const id = { id: { toString: (encoding: string) => (encoding === 'hex' ? 'abcd' : 'x') } };
    expect(SessionManager.keyOf(id)).toBe('abcd');
    expect(SessionManager.keyOf({})).toBeUndefined();
    expect(SessionManager.keyOf(null)).toBeUndefined();
  });
});
