import { z } from 'zod';
import {
  attachmentDeleteInput,
  attachmentDeleteOutput,
  attachmentListInput,
  attachmentListOutput,
} from './attachment.js';
import { auditListInput, auditListOutput } from './audit.js';
import {
  creditNoteByIdInput,
  creditNoteCreateInput,
  creditNoteListInput,
  creditNoteListOutput,
  creditNoteSchema,
} from './credit-note.js';
import {
  customerArchiveInput,
  customerByIdInput,
  customerCreateInput,
  customerListInput,
  customerListOutput,
  customerSchema,
  customerUpdateInput,
} from './customer.js';
import {
  invoiceByIdInput,
  invoiceCreateInput,
  invoiceDeleteDraftInput,
  invoiceDeleteDraftOutput,
  invoiceIssueInput,
  invoiceListInput,
  invoiceListOutput,
  invoiceMarkUncollectibleInput,
  invoiceSchema,
  invoiceUpdateInput,
  invoiceVoidInput,
} from './invoice.js';
import {
  memberAddInput,
  memberListInput,
  memberListOutput,
  memberRemoveInput,
  memberRemoveOutput,
  memberUpdateRoleInput,
  membershipSchema,
  type Role,
} from './member.js';
import {
  organizationByIdInput,
  organizationCreateInput,
  organizationListOutput,
  organizationSchema,
  organizationUpdateInput,
} from './organization.js';
import {
  paymentListInput,
  paymentListOutput,
  paymentRecordInput,
  paymentSchema,
  paymentVoidInput,
} from './payment.js';
import { reportSummaryInput, reportSummaryOutput } from './report.js';

/** `organization.list` takes no input; the caller is known from the token. */
export const organizationListInput = z.undefined();

interface ProcedureContract {
  kind: 'query' | 'mutation';
  /** Minimum role in the org, or `signedIn` for procedures outside any org. */
  role: Role | 'signedIn';
  input: z.ZodType;
  output: z.ZodType;
}

/**
 * The API contract of DOMAIN.md as data: every procedure, its kind, minimum role, input and
 * output schema. The router is built against it, and tests enumerate it (procedure coverage,
 * role matrix, tenancy, hostile input) so a procedure cannot be forgotten by one of them.
 */
export const CONTRACT = {
  'organization.create': {
    kind: 'mutation',
    role: 'signedIn',
    input: organizationCreateInput,
    output: organizationSchema,
  },
  'organization.list': {
    kind: 'query',
    role: 'signedIn',
    input: organizationListInput,
    output: organizationListOutput,
  },
  'organization.byId': {
    kind: 'query',
    role: 'viewer',
    input: organizationByIdInput,
    output: organizationSchema,
  },
  'organization.update': {
    kind: 'mutation',
    role: 'admin',
    input: organizationUpdateInput,
    output: organizationSchema,
  },
  'member.list': {
    kind: 'query',
    role: 'viewer',
    input: memberListInput,
    output: memberListOutput,
  },
  'member.add': {
    kind: 'mutation',
    role: 'admin',
    input: memberAddInput,
    output: membershipSchema,
  },
  'member.updateRole': {
    kind: 'mutation',
    role: 'admin',
    input: memberUpdateRoleInput,
    output: membershipSchema,
  },
  'member.remove': {
    kind: 'mutation',
    role: 'admin',
    input: memberRemoveInput,
    output: memberRemoveOutput,
  },
  'customer.create': {
    kind: 'mutation',
    role: 'accountant',
    input: customerCreateInput,
    output: customerSchema,
  },
  'customer.update': {
    kind: 'mutation',
    role: 'accountant',
    input: customerUpdateInput,
    output: customerSchema,
  },
  'customer.byId': {
    kind: 'query',
    role: 'viewer',
    input: customerByIdInput,
    output: customerSchema,
  },
  'customer.list': {
    kind: 'query',
    role: 'viewer',
    input: customerListInput,
    output: customerListOutput,
  },
  'customer.archive': {
    kind: 'mutation',
    role: 'accountant',
    input: customerArchiveInput,
    output: customerSchema,
  },
  'invoice.create': {
    kind: 'mutation',
    role: 'accountant',
    input: invoiceCreateInput,
    output: invoiceSchema,
  },
  'invoice.update': {
    kind: 'mutation',
    role: 'accountant',
    input: invoiceUpdateInput,
    output: invoiceSchema,
  },
  'invoice.deleteDraft': {
    kind: 'mutation',
    role: 'accountant',
    input: invoiceDeleteDraftInput,
    output: invoiceDeleteDraftOutput,
  },
  'invoice.issue': {
    kind: 'mutation',
    role: 'accountant',
    input: invoiceIssueInput,
    output: invoiceSchema,
  },
  'invoice.void': {
    kind: 'mutation',
    role: 'accountant',
    input: invoiceVoidInput,
    output: invoiceSchema,
  },
  'invoice.markUncollectible': {
    kind: 'mutation',
    role: 'accountant',
    input: invoiceMarkUncollectibleInput,
    output: invoiceSchema,
  },
  'invoice.byId': { kind: 'query', role: 'viewer', input: invoiceByIdInput, output: invoiceSchema },
  'invoice.list': {
    kind: 'query',
    role: 'viewer',
    input: invoiceListInput,
    output: invoiceListOutput,
  },
  'payment.record': {
    kind: 'mutation',
    role: 'accountant',
    input: paymentRecordInput,
    output: paymentSchema,
  },
  'payment.void': {
    kind: 'mutation',
    role: 'accountant',
    input: paymentVoidInput,
    output: paymentSchema,
  },
  'payment.list': {
    kind: 'query',
    role: 'viewer',
    input: paymentListInput,
    output: paymentListOutput,
  },
  'creditNote.create': {
    kind: 'mutation',
    role: 'accountant',
    input: creditNoteCreateInput,
    output: creditNoteSchema,
  },
  'creditNote.byId': {
    kind: 'query',
    role: 'viewer',
    input: creditNoteByIdInput,
    output: creditNoteSchema,
  },
  'creditNote.list': {
    kind: 'query',
    role: 'viewer',
    input: creditNoteListInput,
    output: creditNoteListOutput,
  },
  'attachment.list': {
    kind: 'query',
    role: 'viewer',
    input: attachmentListInput,
    output: attachmentListOutput,
  },
  'attachment.delete': {
    kind: 'mutation',
    role: 'accountant',
    input: attachmentDeleteInput,
    output: attachmentDeleteOutput,
  },
  'report.summary': {
    kind: 'query',
    role: 'viewer',
    input: reportSummaryInput,
    output: reportSummaryOutput,
  },
  'audit.list': { kind: 'query', role: 'viewer', input: auditListInput, output: auditListOutput },
} as const satisfies Record<string, ProcedureContract>;

export type ProcedureName = keyof typeof CONTRACT;
export const PROCEDURE_NAMES = Object.keys(CONTRACT) as ProcedureName[];
