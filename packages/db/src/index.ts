export * from './create-db.js';
