import { z } from 'zod';

/** MongoDB's database-name rules as the server's config spells them. */
export const dbNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,63}$/, 'Must be 1-63 letters, digits, "_" or "-"');

export const mongoUriSchema = z
  .string()
  .max(4096, 'Must be at most 4096 characters')
  .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'Must be a mongodb:// or mongodb+srv:// URI');

/**
 * The environment the CLI reads, parsed once here: the same variables, defaults and rules as
 * the server (apps/server/src/env.ts), so the CLI finds the server's database and uploads.
 */
const cliEnvSchema = z.object({
  MONGODB_URI: mongoUriSchema.optional(),
  MONGODB_DB: dbNameSchema.default('invoices'),
  DATA_DIR: z.string().min(1).max(4096).default('.data'),
  UPLOAD_DIR: z.string().min(1).max(4096).optional(),
});

export interface CliEnv {
  MONGODB_URI: string | undefined;
  MONGODB_DB: string;
  /** `UPLOAD_DIR`, else `$DATA_DIR/uploads` like the server. */
  UPLOAD_DIR: string;
  /** `DATA_DIR` as set, undefined when it is not. */
  DATA_DIR: string | undefined;
  /** Whether UPLOAD_DIR was set (else it derives from DATA_DIR). */
  uploadDirSet: boolean;
}

export function parseCliEnv(env: Readonly<Record<string, string | undefined>>): CliEnv {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = cliEnvSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment: ${problems.join('; ')}`);
  }
  const parsed = result.data;
  return {
    MONGODB_URI: parsed.MONGODB_URI,
    MONGODB_DB: parsed.MONGODB_DB,
    UPLOAD_DIR: parsed.UPLOAD_DIR ?? `${parsed.DATA_DIR}/uploads`,
    DATA_DIR: 'DATA_DIR' in present ? parsed.DATA_DIR : undefined,
    uploadDirSet: 'UPLOAD_DIR' in present,
  };
}

/** A URI safe to print: credentials replaced. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)[^@/]*@/, '$1***@');
}
