/** Options of `mongo-embedded`, spelled like mongod's. */
export interface CliOptions {
  dbPath: string | undefined;
  port: number;
  bindIp: string;
  allowRemote: boolean;
  replSet: string;
  quiet: boolean;
  help: boolean;
}

export const USAGE = `Usage: mongo-embedded [--dbpath DIR] [--port N] [--bind_ip HOST] [--replSet NAME]

  --dbpath DIR      keep data in DIR (journal + checkpoints); omitted: in memory only
  --port N          TCP port (default 27017; 0 picks a free one)
  --bind_ip HOST    address to listen on (default 127.0.0.1)
  --bind_ip_all     listen on all interfaces (no authentication: trusted networks only)
  --replSet NAME    replica set name reported to clients (default rs0)
  --quiet           log only the ready line and errors
`;

export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

export function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = {
    dbPath: undefined,
    port: 27017,
    bindIp: '127.0.0.1',
    allowRemote: false,
    replSet: 'rs0',
    quiet: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new CliUsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--dbpath':
      case '--dbPath':
        options.dbPath = value();
        break;
      case '--port': {
        const text = value();
        const port = Number(text);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw new CliUsageError(`--port must be an integer between 0 and 65535, got '${text}'`);
        }
        options.port = port;
        break;
      }
      case '--bind_ip':
      case '--bindIp':
        options.bindIp = value();
        break;
      case '--bind_ip_all':
        options.bindIp = '0.0.0.0';
        options.allowRemote = true;
        break;
      case '--replSet':
        options.replSet = value();
        break;
      case '--quiet':
        options.quiet = true;
        break;
      case '-h':
      case '--help':
        options.help = true;
        break;
      default:
        throw new CliUsageError(`unknown option '${raw}'`);
    }
  }
  return options;
}
