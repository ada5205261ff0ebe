import path from 'node:path';
import { limitsFromEnv, type ServerLimitsConfig } from './limits';

/** Server configuration, read once from the environment at start-up. */
export interface ServerConfig {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind. */
  readonly host: string;
  /** Directory for the database, the server key and other state. */
  readonly dataDir: string;
  /** Directory holding the Vite production build that the server serves. */
  readonly staticDir: string;
  /** pino log level. */
  readonly logLevel: string;
  /** Rate limits, quotas and timeouts. */
  readonly limits: ServerLimitsConfig;
  /** PostgreSQL URL (`DATABASE_URL`) for the store; null keeps it in SQLite under `dataDir`. */
  readonly databaseUrl: string | null;
  /** PostgreSQL schema for the tables (`DATABASE_SCHEMA`, default `public`). */
  readonly databaseSchema: string;
  /** Redis URL (`REDIS_URL`) for the fanout between server processes; null keeps it in-process. */
  readonly redisUrl: string | null;
}

/** Default HTTP port when `PORT` is unset. */
export const DEFAULT_PORT = 8080;

/**
 * Reads `PORT`, `HOST`, `SOTTO_DATA`, `SOTTO_STATIC`, `LOG_LEVEL`, `DATABASE_URL`,
 * `DATABASE_SCHEMA`, `REDIS_URL` and the limits, with working defaults.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: parsePort(env.PORT),
    host: env.HOST ?? '127.0.0.1',
    dataDir: path.resolve(env.SOTTO_DATA ?? './data'),
    staticDir: path.resolve(env.SOTTO_STATIC ?? './dist'),
    logLevel: env.LOG_LEVEL ?? 'info',
    limits: limitsFromEnv(env),
    databaseUrl: unlessEmpty(env.DATABASE_URL),
    databaseSchema: unlessEmpty(env.DATABASE_SCHEMA) ?? 'public',
    redisUrl: unlessEmpty(env.REDIS_URL),
  };
}

/** An unset or empty variable is null. */
function unlessEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`PORT must be an integer between 0 and 65535, got "${raw}"`);
  }
  return port;
}

/** A URL with any password replaced, fit for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}
