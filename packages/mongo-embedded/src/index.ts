export * from './wire/header.js';
