export { run, type CliIo } from './run.js';
