export * from './aging.js';
export * from './dates.js';
export * from './errors.js';
export * from './lifecycle.js';
export * from './money.js';
export * from './numbering.js';
export * from './roles.js';
