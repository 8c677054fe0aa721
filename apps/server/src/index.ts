export { buildApp, type BuildAppOptions } from './app.js';
export { parseEnv, ConfigError, type Config } from './env.js';
