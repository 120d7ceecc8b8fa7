// Voice transcription against the fake OpenAI server's /audio/transcriptions (real multipart).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { transcribe } from '../src/agent/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from './fakes/openai.ts';

describe('transcribe', () => {
  let fake: FakeOpenAI;
  let answer: { text: string } | { status: number; message?: string } = { text: ' hello world ' };
  before(async () => {
    fake = await startFakeOpenAI(undefined, () => answer);
  });
  after(() => fake.close());

  test('uploads the audio as whisper-1 multipart and returns the text', async () => {
    answer = { text: ' hello world ' };
    const audio = Buffer.from('OggS fake audio bytes');
    const text = await transcribe({ apiKey: 'sk-test-whisper-123456', baseUrl: fake.url }, audio, 'audio/ogg;codecs=opus');
    assert.equal(text, 'hello world');
    const req = fake.transcriptions.at(-1)!;
    assert.equal(req.fields['model'], 'whisper-1');
    assert.equal(req.file?.filename, 'recording.ogg');
    assert.equal(req.file?.contentType, 'audio/ogg');
    assert.deepEqual(req.file?.bytes, audio);
    assert.equal(req.headers['authorization'], 'Bearer sk-test-whisper-123456');
  });

  const failures: [number, string][] = [
    [401, 'auth_failed'],
    [429, 'rate_limited'],
    [500, 'provider_error'],
    [400, 'bad_request'],
  ];
  for (const [status, code] of failures) {
    test(`HTTP ${status} gives ${code}`, async () => {
      answer = { status, message: `fake says ${status}` };
      await assert.rejects(transcribe({ apiKey: 'sk-test-whisper-123456', baseUrl: fake.url }, Buffer.from('x'), 'audio/webm'), (err: Error & { code?: string }) => {
        assert.equal(err.code, code);
        assert.match(err.message, new RegExp(`fake says ${status}`));
        assert.ok(!err.message.includes('sk-test-whisper-123456'));
        return true;
      });
    });
  }

  test('connection refused gives provider_unavailable; no key gives not_configured; empty audio bad_request', async () => {
    const gone = await startFakeOpenAI();
    await gone.close();
    await assert.rejects(transcribe({ apiKey: 'k', baseUrl: gone.url }, Buffer.from('x')), { code: 'provider_unavailable' });
    await assert.rejects(transcribe({}, Buffer.from('x')), { code: 'not_configured' });
    await assert.rejects(transcribe({ apiKey: 'k', baseUrl: fake.url }, Buffer.alloc(0)), { code: 'bad_request' });
  });
});
