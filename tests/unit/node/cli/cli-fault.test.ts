// Fault injection: SIGKILL the server halfway through `sotto send` of a 2-minute WAV, restart it on
// the same data directory and port; the send completes, the recipient gets exactly one
// byte-identical message, and at most one chunk crosses the wire twice.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../../../src/shared/protocol';
import { writeWav16Mono } from '../../../../src/node/audio/wav';
import { makeTempDir } from '../../../helpers/audio-tools';
import { TEST_RATE_HZ, sineTone } from '../../../helpers/audio-signal';
import { befriendedPair, type CliUser } from '../../../helpers/cli';
import { startServer, type TestServer } from '../../../helpers/server';

/** Reads one sample of a Prometheus text exposition (0 if absent). */
function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('sotto CLI survives a server crash mid-send', () => {
  let server: TestServer;
  let alice: CliUser;
  let bob: CliUser;
  const temp = makeTempDir('sotto-cli-fault-');

  beforeAll(async () => {
    server = await startServer();
    [alice, bob] = await befriendedPair(server.url);
  }, 60_000);

  afterAll(async () => {
    await server.dispose();
    alice.dispose();
    bob.dispose();
    temp.remove();
  });

  it('resumes after SIGKILL and restart, re-sending at most one chunk', async () => {
    const wav = temp.path('two-minutes.wav');
    writeWav16Mono(wav, { sampleRate: TEST_RATE_HZ, samples: sineTone(330, 120, 0.3) });
    const saved = temp.path('sent.opus');
    const inbox = temp.path('inbox');
    const listening = bob.spawn(['listen', '--out', inbox, '--count', '1']);

    const sending = alice.spawn(['send', '--to', 'bob', wav, '--save', saved, '--progress']);
    const halfway = await sending.line(/progress acked=(6\d) /);
    await server.kill();
    const ackedBeforeKill = Number(halfway[1]);

    // What the server had made durable when it died.
    const messageHex = /message ([0-9a-f]{32})/.exec(sending.stderr())?.[1] ?? '';
    const db = new Database(path.join(server.dataDir, 'sotto.db'));
    const row = db
      .prepare(
        'SELECT status, (SELECT count(*) FROM chunks WHERE message_id = m.id) AS stored FROM messages m WHERE id = ?',
      )
      .get(Buffer.from(fromHex(messageHex))) as { status: string; stored: number };
    db.close();
    expect(row.status).toBe('uploading');
    expect(row.stored).toBeGreaterThanOrEqual(ackedBeforeKill);

    server = await startServer({ dataDir: server.dataDir, port: server.port });
    const result = await sending.done;
    expect(result.code, result.stderr).toBe(0);
    const sent = /sent ([0-9a-f]{32}) chunks=(\d+) resent=(\d+)/.exec(result.stdout);
    expect(sent?.[1]).toBe(messageHex);
    const chunkCount = Number(sent?.[2]);
    const resentByClient = Number(sent?.[3]);
    expect(result.stderr).toMatch(/Not connected/);

    const listened = await listening.done;
    expect(listened.code, listened.stderr).toBe(0);
    expect(readdirSync(inbox).filter((file) => file.endsWith('.opus'))).toEqual([`${messageHex}.opus`]);
    expect(readFileSync(path.join(inbox, `${messageHex}.opus`)).equals(readFileSync(saved))).toBe(true);

    // The restarted server received exactly the chunks it did not have, plus at most one again.
    const metrics = await (await fetch(new URL('/metrics', server.url))).text();
    const chunkFrames = metric(metrics, 'sotto_frames_in_total', 'type="chunk"');
    const repeats = metric(metrics, 'sotto_chunks_stored_total', 'outcome="repeat"');
    const resentToServer = chunkFrames - (chunkCount - row.stored);
    console.log(
      `fault: killed at ${ackedBeforeKill} acked / ${row.stored} stored of ${chunkCount}; after restart ` +
        `${chunkFrames} chunk frames, ${repeats} repeats; client re-sent ${resentByClient}`,
    );
    expect(chunkCount).toBeGreaterThanOrEqual(120);
    expect(resentToServer).toBeLessThanOrEqual(1);
    expect(repeats).toBeLessThanOrEqual(1);
    expect(resentByClient).toBeLessThanOrEqual(1);
  }, 120_000);
});
