/** Ids and the upload route's 201 body, for the attachment client's tests. */
export const ORG = '0123456789abcdef01234567';
export const INVOICE = '89abcdef0123456789abcdef';
export const ATTACHMENT = 'fedcba9876543210fedcba98';

export const uploaded = {
  id: ATTACHMENT,
  invoiceId: INVOICE,
  filename: 'a.pdf',
  contentType: 'application/pdf',
  size: 9,
  sha256: 'a'.repeat(64),
  createdAt: '2026-03-01T10:00:00.000Z',
};
