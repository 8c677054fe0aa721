export * from './collections/index.js';
export * from './create-db.js';
export * from './migrations.js';
export * from './reconcile-indexes.js';
export * from './sequences.js';
export * from './transaction.js';
export * from './decode-once.js';
export * from './error-codes.js';
