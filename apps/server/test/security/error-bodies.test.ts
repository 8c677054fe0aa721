import { startEmbeddedMongo } from '@invoice/mongo-embedded';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createFirebaseVerifier } from '../../src/auth/token-verifier.js';
import { freePort } from '../../src/dev/free-port.js';
import { PROJECT_ID, startTestServer, type TestServer } from '../server.js';
import { createOrgOverHttp, trpc, TRPC_TRANSPORTS } from './http.js';

/**
 * Issue 5 "generic 5xx bodies": whatever fails inside (a corrupt document a mapper chokes on,
 * the database gone, a route throwing), the client gets a status and a fixed message — no
 * stack, no driver or JavaScript error text, no host or port. The detail goes to the log.
 */

/** Text that must never reach a client: error internals, addresses, stack frames. */
const INTERNALS =
  /stack|toHexString|is not a function|Cannot read|TypeError|ECONNREFUSED|127\.0\.0\.1|mongodb:\/\/|Topology|\.ts:\d+|at \w+ \(|secret/i;

describe.each(TRPC_TRANSPORTS)(
  '5xx answers say nothing about the failure (%s)',
  (_transport, transport) => {
    let s: TestServer;
    let token: string;
    let orgId: string;

    beforeAll(async () => {
      s = await startTestServer(`error-bodies-${transport.TRPC_FAST_PATH}`, transport);
      token = (await s.signIn('errors-owner@example.test')).idToken;
      orgId = await createOrgOverHttp(s, token);
    });
    afterAll(() => s.close());

    it('answers a procedure that throws on a corrupt document with 500 and a fixed message', async () => {
      // A string _id (written by some other tool) makes the mapper throw a TypeError.
      const now = new Date();
      await s.db.db.collection('customers').insertOne({
        _id: 'corrupt-not-an-object-id' as unknown as ObjectId,
        orgId: new ObjectId(orgId),
        name: 'Corrupt',
        nameLower: 'corrupt',
        email: null,
        address: null,
        taxId: null,
        currency: null,
        archivedAt: null,
        createdAt: now,
        updatedAt: now,
      });
      for (const kind of ['single', 'batch'] as const) {
        const res =
          kind === 'single'
            ? (await trpc(s.app, 'query', 'customer.list', { orgId }, token)).raw
            : await s.app.inject({
                method: 'GET',
                url: `/trpc/customer.list?batch=1&input=${encodeURIComponent(
                  JSON.stringify({ 0: { json: { orgId } } }),
                )}`,
                headers: { authorization: `Bearer ${token}` },
              });
        expect(res.statusCode, kind).toBe(500);
        expect(res.body, kind).toContain('INTERNAL_SERVER_ERROR');
        expect(res.body, kind).not.toMatch(INTERNALS);
      }
    });

    it('answers with the database down with a generic 5xx', async () => {
      // A database of this test's own, so stopping it disturbs no other suite.
      const mongo = await startEmbeddedMongo({ port: await freePort() });
      const own = await startTestServer(`error-bodies-db-${transport.TRPC_FAST_PATH}`, {
        ...transport,
        MONGODB_URI: mongo.uri,
      });
      try {
        const user = await own.signIn('errors-db@example.test');
        const ownOrg = await createOrgOverHttp(own, user.idToken);
        await mongo.stop();
        const read = await trpc(own.app, 'query', 'customer.list', { orgId: ownOrg }, user.idToken);
        const write = await trpc(
          own.app,
          'mutation',
          'organization.create',
          { name: 'Down', currency: 'EUR', timezone: 'UTC' },
          user.idToken,
        );
        for (const answer of [read, write]) {
          expect(answer.status).toBeGreaterThanOrEqual(500);
          expect(answer.raw.body).not.toMatch(INTERNALS);
        }
      } finally {
        await own.close().catch(() => undefined);
        await mongo.stop();
      }
    });

    it('answers a throwing route with a fixed body, whatever the error carries', async () => {
      // The app's own error handling, on routes added to the real app for this test only.
      const app = await buildApp({
        config: s.config,
        db: s.db,
        verifier: createFirebaseVerifier(PROJECT_ID),
      });
      app.get('/test-only/throws', async () => {
        throw new Error('secret detail mongodb://user:password@10.0.0.1:27017');
      });
      app.get('/test-only/throws-502', async () => {
        throw Object.assign(new Error('secret upstream detail'), { statusCode: 502 });
      });
      app.get('/test-only/throws-400', async () => {
        throw Object.assign(new Error('Bad thing in your request'), { statusCode: 400 });
      });
      await app.ready();
      try {
        const plain = await app.inject({ method: 'GET', url: '/test-only/throws' });
        expect(plain.statusCode).toBe(500);
        expect(plain.json()).toEqual({
          statusCode: 500,
          code: 'INTERNAL_SERVER_ERROR',
          message: 'Internal error',
        });
        const upstream = await app.inject({ method: 'GET', url: '/test-only/throws-502' });
        expect(upstream.statusCode).toBe(502);
        expect(upstream.body).not.toMatch(INTERNALS);
        // Client errors keep their message: it is about the request, and the caller needs it.
        const client = await app.inject({ method: 'GET', url: '/test-only/throws-400' });
        expect(client.statusCode).toBe(400);
        expect(client.json()).toMatchObject({ message: 'Bad thing in your request' });
        // Security headers are on error answers too.
        expect(plain.headers['x-content-type-options']).toBe('nosniff');
        expect(plain.headers['strict-transport-security']).toMatch(/max-age=/);
      } finally {
        await app.close();
      }
    });

    it('answers unknown routes with a plain 404, and a bad JSON body with a 400 that names no internals', async () => {
      const missing = await s.app.inject({ method: 'GET', url: '/no/such/route' });
      expect(missing.statusCode).toBe(404);
      const broken = await s.app.inject({
        method: 'POST',
        url: '/trpc/organization.create',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: '{"json":{"name":',
      });
      expect(broken.statusCode).toBe(400);
      expect(broken.body).not.toMatch(INTERNALS);
    });
  },
);
