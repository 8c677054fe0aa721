import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import {
  insertAttachment,
  insertCreditNote,
  insertCustomer,
  insertInvoice,
  insertPayment,
  seedOrg,
  type SeededOrg,
} from './support/fixtures.js';
import { callPath, codeOf, idFields, listProcedures, type Outcome } from './support/procedures.js';
import { sampleInput } from './support/samples.js';

/**
 * Broken object-level authorization (BOLA): a member of org A who passes ids of org B, under
 * A's orgId or B's, must get exactly what a non-existent id gets (NOT_FOUND), and org B's
 * data must stay byte-for-byte the same. The procedures and their id fields are read from the
 * router, so a new id-taking procedure is covered without editing this file.
 */

/** Everything stored for one org, in a stable order, to compare before and after. */
async function snapshot(h: Harness, oid: ObjectId): Promise<Record<string, unknown[]>> {
  const result: Record<string, unknown[]> = {};
  const collections = await h.db.db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections.sort((x, y) => (x.name < y.name ? -1 : 1))) {
    result[name] = await h.db.db
      .collection(name)
      .find({ $or: [{ orgId: oid }, { _id: oid }] })
      .sort({ _id: 1 })
      .toArray();
  }
  return result;
}

/** Fields some id fields need beside them to form a valid input. */
const COMPANIONS: Record<string, Record<string, unknown>> = {
  entityId: { entityType: 'invoice' },
};
/** Fields an id field replaces (member targets take exactly one of userId or email). */
const EXCLUSIVE: Record<string, string[]> = { userId: ['email'] };

describe('tenancy (BOLA)', () => {
  let h: Harness;
  let a: SeededOrg;
  let b: SeededOrg;
  let bIds: Record<string, string>;
  beforeAll(async () => {
    h = await createHarness('tenancy');
    a = await seedOrg(h, { name: 'Org A' });
    b = await seedOrg(h, { name: 'Org B' });
    // A few documents in A too, so "nothing found" is not just an empty org.
    const aInvoice = await insertInvoice(h, a, {
      customer: await insertCustomer(h, a),
      status: 'open',
      amountPaid: 100,
    });
    await insertPayment(h, a, aInvoice, 100);
    await insertAttachment(h, a, aInvoice);
    const customer = await insertCustomer(h, b, { name: 'B customer' });
    const invoice = await insertInvoice(h, b, { customer, status: 'open', amountPaid: 300 });
    const payment = await insertPayment(h, b, invoice, 300);
    const note = await insertCreditNote(h, b, invoice, 200);
    const attachment = await insertAttachment(h, b, invoice);
    bIds = {
      customerId: customer._id.toHexString(),
      invoiceId: invoice._id.toHexString(),
      paymentId: payment._id.toHexString(),
      creditNoteId: note._id.toHexString(),
      attachmentId: attachment._id.toHexString(),
      entityId: invoice._id.toHexString(),
      userId: b.users.viewer.uid,
    };
  });
  afterAll(() => h.close());

  const procedures = listProcedures();
  const idTaking = procedures.filter((p) => p.orgScoped && idFields(p).length > 0);

  it('finds the id-taking procedures in the router', () => {
    expect(idTaking.map((p) => p.path)).toEqual(
      expect.arrayContaining(['customer.byId', 'attachment.delete', 'audit.list']),
    );
  });

  for (const info of idTaking) {
    it(`${info.path}: org B's ids under org A → as for an id that does not exist`, async () => {
      const base = await sampleInput(h, b, info.path);
      if (base === undefined) throw new Error(`${info.path} takes ids but no input`);
      const fields = idFields(info);
      for (const field of fields) {
        if (!(field.name in base) && !(field.name in bIds)) {
          throw new Error(`tenancy suite: add an org B document for the id field ${field.name}`);
        }
      }
      // One case with the sample's own (B) ids, one per optional id field the sample left out.
      const cases: Record<string, unknown>[] = fields.some((f) => f.name in base)
        ? [{ ...base, orgId: a.orgId }]
        : [];
      for (const field of fields.filter((f) => !(f.name in base))) {
        const variant: Record<string, unknown> = {
          ...base,
          orgId: a.orgId,
          ...COMPANIONS[field.name],
          [field.name]: bIds[field.name],
        };
        for (const excluded of EXCLUSIVE[field.name] ?? []) delete variant[excluded];
        cases.push(variant);
      }
      const before = await snapshot(h, b.oid);
      const observed: string[] = [];
      for (const input of cases) {
        const foreign = await callPath(h.caller(a.users.owner), info.path, input);
        const absent: Record<string, unknown> = { ...input };
        for (const field of fields) {
          if (field.name in absent) {
            absent[field.name] =
              field.name === 'userId' ? 'nobody-at-all' : new ObjectId().toHexString();
          }
        }
        const missing = await callPath(h.caller(a.users.owner), info.path, absent);
        observed.push(`${describeOutcome(foreign)} / ${describeOutcome(missing)}`);
        expect(describeOutcome(foreign)).toBe(describeOutcome(missing));
        const filterOnly = fields.every((f) => !f.required || !(f.name in input));
        expect(
          foreign.ok ? filterOnly && isEmptyPage(foreign.value) : codeOf(foreign) === 'NOT_FOUND',
          `${info.path} ${JSON.stringify(input)} → ${describeOutcome(foreign)}`,
        ).toBe(true);
      }
      // The same input under B's own orgId: A's member is not a member of B.
      const underB = await callPath(h.caller(a.users.owner), info.path, base);
      expect(codeOf(underB)).toBe('NOT_FOUND');
      expect(await snapshot(h, b.oid)).toEqual(before);
      expect(observed.length).toBe(cases.length);
    });
  }

  it("refuses every org-scoped procedure under org B's orgId to a member of A", async () => {
    const before = await snapshot(h, b.oid);
    const codes: Record<string, string> = {};
    for (const info of procedures.filter((p) => p.orgScoped)) {
      const input = await sampleInput(h, b, info.path);
      codes[info.path] = codeOf(await callPath(h.caller(a.users.admin), info.path, input));
    }
    expect(
      Object.values(codes).every((c) => c === 'NOT_FOUND'),
      JSON.stringify(codes),
    ).toBe(true);
    // Building the samples wrote B documents; compare only what existed before them.
    const after = await snapshot(h, b.oid);
    for (const [name, docs] of Object.entries(before)) {
      expect(after[name]?.slice(0, docs.length), name).toEqual(docs);
    }
  });

  it('locks a removed member out on the very next request', async () => {
    const org = await seedOrg(h, { name: 'Removal' });
    const gone = org.users.accountant;
    const input = { orgId: org.orgId };
    expect(codeOf(await callPath(h.caller(gone), 'customer.list', input))).toBe('OK');
    await h.caller(org.users.admin).member.remove({ orgId: org.orgId, userId: gone.uid });
    for (const info of procedures.filter((p) => p.orgScoped)) {
      const sample = await sampleInput(h, org, info.path);
      const code = codeOf(await callPath(h.caller(gone), info.path, sample));
      expect(['NOT_FOUND', 'FORBIDDEN'], `${info.path} → ${code}`).toContain(code);
    }
    const orgs = await h.caller(gone).organization.list();
    expect(orgs.map((o) => o.id)).not.toContain(org.orgId);
  });
});

function describeOutcome(outcome: Outcome): string {
  if (!outcome.ok) return outcome.code;
  return isEmptyPage(outcome.value) ? 'OK(empty)' : 'OK(data)';
}

function isEmptyPage(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    'items' in value &&
    Array.isArray(value.items) &&
    value.items.length === 0
  );
}
