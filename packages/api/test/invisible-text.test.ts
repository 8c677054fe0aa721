import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, errorCodeOf, type Harness } from './harness.js';
import { addCustomer, setupOrg, type OrgFixture } from './invoice/fixtures.js';

/**
 * Required text (a customer's name, the organization's name printed as the seller, an invoice
 * line's description) must not be blank: `textSchema` trims and requires at least one
 * character "so blank strings are refused" (validators/src/text.ts), and DOMAIN.md's issued
 * invoice carries "a snapshot of the customer's and the seller's details".
 *
 * `String.prototype.trim` does not remove zero-width / format characters (U+200B ZERO WIDTH
 * SPACE, U+2060 WORD JOINER, U+200C/U+200D), so a value made only of them passes as non-blank
 * and prints as an empty name or description on the invoice.
 */
const INVISIBLE = ['\u200B', '\u2060', '\u200B\u200C\u200D', ' \u200B \u2060 '];

describe('required text made only of invisible characters', () => {
  let h: Harness;
  let fx: OrgFixture;
  let customerId: string;
  beforeAll(async () => {
    h = await createHarness('review-invisible-text');
    fx = await setupOrg(h);
    customerId = await addCustomer(h, fx.orgId);
  });
  afterAll(() => h.close());

  it.each(INVISIBLE.map((text) => [JSON.stringify(text), text]))(
    'is refused as blank: %s',
    async (_label, text) => {
      const outcomes = {
        customerName: await errorCodeOf(fx.acct.customer.create({ orgId: fx.orgId, name: text })),
        organizationName: await errorCodeOf(
          h.caller(fx.owner).organization.update({ orgId: fx.orgId, name: text }),
        ),
        lineDescription: await errorCodeOf(
          fx.acct.invoice.create({
            orgId: fx.orgId,
            customerId,
            lines: [{ description: text, quantity: 1, unitPrice: 1000 }],
          }),
        ),
      };
      // Observed: all three 'OK' (stored and later printed as an empty name/description).
      expect(outcomes).toEqual({
        customerName: 'BAD_REQUEST',
        organizationName: 'BAD_REQUEST',
        lineDescription: 'BAD_REQUEST',
      });
    },
  );
});
