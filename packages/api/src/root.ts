import { attachmentRouter } from './router/attachment.js';
import { auditRouter } from './router/audit.js';
import { creditNoteRouter } from './router/credit-note.js';
import { customerRouter } from './router/customer.js';
import { invoiceRouter } from './router/invoice.js';
import { memberRouter } from './router/member.js';
import { organizationRouter } from './router/organization.js';
import { paymentRouter } from './router/payment.js';
import { reportRouter } from './router/report.js';
import { systemRouter } from './router/system.js';
import { router } from './trpc.js';

export const appRouter = router({
  system: systemRouter,
  organization: organizationRouter,
  member: memberRouter,
  customer: customerRouter,
  invoice: invoiceRouter,
  payment: paymentRouter,
  creditNote: creditNoteRouter,
  attachment: attachmentRouter,
  report: reportRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
