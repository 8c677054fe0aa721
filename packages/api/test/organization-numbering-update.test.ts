import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.js';
import { addCustomer, createIssued, setupOrg, type OrgFixture } from './invoice/fixtures.js';

/**
 * organization.update: "Fields left out stay unchanged", inside `numbering` too. An admin who
 * only changes the padding keeps the rest of the numbering. (Before, the numbering schema's
 * defaults filled every field left out and replaced the stored ones: the prefix went back to
 * "INV-" and `resetYearly` flipped to false, moving the series to another counter.)
 */
describe('organization.update with part of the numbering', () => {
  let h: Harness;
  let fx: OrgFixture;
  let customerId: string;
  beforeAll(async () => {
    h = await createHarness('review-partial-numbering');
    fx = await setupOrg(h, {
      numbering: { prefix: 'F-', creditNotePrefix: 'AV-', resetYearly: true, padding: 4 },
    });
    customerId = await addCustomer(h, fx.orgId);
  });
  afterAll(() => h.close());

  it('changes only the numbering fields it gives', async () => {
    const updated = await h
      .caller(fx.owner)
      .organization.update({ orgId: fx.orgId, numbering: { padding: 6 } });
    expect(updated.numbering).toEqual({
      prefix: 'F-',
      creditNotePrefix: 'AV-',
      includeYear: true,
      separator: '-',
      padding: 6,
      resetYearly: true,
    });
    const issued = await createIssued(fx, customerId);
    expect(issued.number).toBe('F-2026-000001');
  });

  it('checks the numbering it would store, merged, against the numbering rules', async () => {
    const owner = h.caller(fx.owner);
    // The stored prefix is F-: a credit-note prefix of F- alone would print the same numbers.
    await expect(
      owner.organization.update({ orgId: fx.orgId, numbering: { creditNotePrefix: 'F-' } }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Invoice and credit note prefixes must differ',
    });
    // The stored numbering resets yearly: dropping the year would repeat numbers every year.
    await expect(
      owner.organization.update({ orgId: fx.orgId, numbering: { includeYear: false } }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'A yearly reset needs the year in the number, or numbers would repeat every year',
    });
    const org = await owner.organization.byId({ orgId: fx.orgId });
    expect(org.numbering).toMatchObject({
      prefix: 'F-',
      creditNotePrefix: 'AV-',
      includeYear: true,
    });
    // Both at once is a valid numbering.
    const both = await owner.organization.update({
      orgId: fx.orgId,
      numbering: { includeYear: false, resetYearly: false },
    });
    expect(both.numbering).toMatchObject({ prefix: 'F-', includeYear: false, resetYearly: false });
  });
});
