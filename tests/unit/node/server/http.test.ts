import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../../src/node/server/app';
import { configFromEnv } from '../../../../src/node/server/config';
import { startServer, type TestServer } from '../../../helpers/server';

describe('HTTP shell', () => {
  const staticDir = mkdtempSync(path.join(os.tmpdir(), 'sotto-static-'));
  mkdirSync(path.join(staticDir, 'assets'));
  writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(path.join(staticDir, 'assets', 'index-abc123.js'), 'export {};');
  const app = buildApp(
    configFromEnv({ SOTTO_STATIC: staticDir, SOTTO_DATA: staticDir, LOG_LEVEL: 'silent' }),
  );

  afterAll(async () => {
    await (await app).app.close();
    rmSync(staticDir, { recursive: true, force: true });
  });

  it('answers /healthz with version and uptime', async () => {
    const response = await (await app).app.inject('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json<{ status: string; version: string; uptimeSeconds: number }>();
    expect(body.status).toBe('ok');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('sends cross-origin isolation headers on every response, including 404s', async () => {
    for (const url of ['/healthz', '/', '/assets/index-abc123.js', '/no-such-file']) {
      const response = await (await app).app.inject(url);
      expect(response.headers['cross-origin-opener-policy'], url).toBe('same-origin');
      expect(response.headers['cross-origin-embedder-policy'], url).toBe('require-corp');
    }
  });

  it('caches hashed assets forever and revalidates index.html', async () => {
    const asset = await (await app).app.inject('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const index = await (await app).app.inject('/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['cache-control']).toBe('no-cache');
  });
});

describe('configuration', () => {
  it('has working defaults', () => {
    const config = configFromEnv({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(path.resolve('data'));
    expect(config.redisUrl).toBeNull();
    expect(config.databaseUrl).toBeNull();
    expect(config.databaseSchema).toBe('public');
  });

  it('reads DATABASE_URL, DATABASE_SCHEMA and REDIS_URL, treating empty ones as unset', () => {
    const config = configFromEnv({
      DATABASE_URL: 'postgres://db/sotto',
      DATABASE_SCHEMA: 'voice',
      REDIS_URL: 'redis://cache:6379/2',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://db/sotto',
      databaseSchema: 'voice',
      redisUrl: 'redis://cache:6379/2',
    });
    expect(configFromEnv({ DATABASE_URL: '', DATABASE_SCHEMA: '', REDIS_URL: '' })).toMatchObject({
      databaseUrl: null,
      databaseSchema: 'public',
      redisUrl: null,
    });
  });

  it('rejects a bad PORT with a message naming it', () => {
    expect(() => configFromEnv({ PORT: 'eighty' })).toThrow(/PORT must be an integer/);
  });
});

describe('server process', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it('listens on the printed URL and shuts down cleanly on SIGTERM', async () => {
    const response = await fetch(new URL('/healthz', server.url));
    expect(response.status).toBe(200);
    await server.stop();
    expect(server.process.exitCode).toBe(0);
  });
});
