import { buildApp } from './app.js';
import { ConfigError, parseEnv } from './env.js';

async function main(): Promise<void> {
  let config;
  try {
    config = parseEnv(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await buildApp({ config });
  const close = async (signal: string): Promise<void> => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void close(s));
  process.once('SIGINT', (s) => void close(s));
  await app.listen({ host: config.HOST, port: config.PORT });
}

await main();
