// Saving attachments into workspace/files, which the agent itself can rewrite: hostile names,
// oversize and invalid payloads, and symlinks planted to redirect the write.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSavedAttachment, saveAttachment } from '../src/agent/index.ts';
import { makeTempEnv, type TempEnv } from './fakes/harness.ts';

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const NAME = /^\d{4}-\d{2}-\d{2}-[0-9a-f]{8}-/;

describe('saveAttachment', () => {
  let env: TempEnv;
  before(() => {
    env = makeTempEnv();
  });
  after(() => env.cleanup());

  test('saves under filesDir with a dated unique name and returns what it saved', async () => {
    const saved = await saveAttachment(env.filesDir, { type: 'file', name: 'notes.txt', mediaType: 'text/plain', data: b64('hello') });
    assert.equal(dirname(saved.path), env.filesDir);
    assert.match(basename(saved.path), NAME);
    assert.ok(basename(saved.path).endsWith('-notes.txt'));
    assert.equal(readFileSync(saved.path, 'utf8'), 'hello');
    assert.deepEqual({ name: saved.name, kind: saved.kind, size: saved.size, mediaType: saved.mediaType }, {
      name: 'notes.txt',
      kind: 'text',
      size: 5,
      mediaType: 'text/plain',
    });
    const again = await saveAttachment(env.filesDir, { name: 'notes.txt', mediaType: 'text/plain', data: b64('other') });
    assert.notEqual(again.path, saved.path);
  });

  // A name without a usable extension gets the one of its media type (text/plain here).
  const hostile: [string, (name: string) => void][] = [
    ['../../x', (n) => assert.equal(n, 'x.txt')],
    ['/etc/passwd', (n) => assert.equal(n, 'passwd.txt')],
    ['..\\..\\windows\\evil.txt', (n) => assert.equal(n, 'evil.txt')],
    ['a\u0000b.txt', (n) => assert.equal(n, 'ab.txt')],
    ['.env', (n) => assert.equal(n, 'env.txt')],
    ['..', (n) => assert.equal(n, 'file.txt')],
    ['', (n) => assert.equal(n, 'file.txt')],
    ['line\nbreak\r.txt', (n) => assert.equal(n, 'linebreak.txt')],
    ['evil\u202Egpj.exe', (n) => assert.equal(n, 'evilgpj.exe')],
    ['my photo (1).txt', (n) => assert.equal(n, 'my_photo_1.txt')],
    ['résumé.txt', (n) => assert.equal(n, 'résumé.txt')],
    [`${'a'.repeat(5000)}.txt`, (n) => assert.equal(n, `${'a'.repeat(80)}.txt`)],
    ['x.verylongextension', (n) => assert.ok(n.endsWith('.txt') && !n.includes('/'), n)],
  ];
  for (const [name, check] of hostile) {
    test(`hostile name ${JSON.stringify(name.slice(0, 30))} stays one safe segment in filesDir`, async () => {
      const saved = await saveAttachment(env.filesDir, { name, mediaType: 'text/plain', data: b64('x') });
      check(saved.name);
      assert.equal(dirname(saved.path), env.filesDir);
      assert.ok(!basename(saved.path).startsWith('.'));
      assert.ok(basename(saved.path).length < 120);
      assert.ok(existsSync(saved.path));
    });
  }

  test('oversize is refused with too_large before anything is written', async () => {
    const before = readdirSync(env.filesDir).length;
    const data = b64(Buffer.alloc(2048));
    await assert.rejects(saveAttachment(env.filesDir, { name: 'big.bin', mediaType: 'application/octet-stream', data }, { maxBytes: 1024 }), {
      code: 'too_large',
      message: /larger than/,
    });
    // Just over the limit by one byte, too.
    await assert.rejects(
      saveAttachment(env.filesDir, { name: 'big.bin', mediaType: 'application/octet-stream', data: b64(Buffer.alloc(1025)) }, { maxBytes: 1024 }),
      { code: 'too_large' },
    );
    assert.equal(readdirSync(env.filesDir).length, before);
  });

  test('invalid base64 is refused with invalid_base64', async () => {
    for (const data of ['not base64!!', 'abc', 'YWJj$GVm', '====']) {
      await assert.rejects(saveAttachment(env.filesDir, { name: 'x.txt', mediaType: 'text/plain', data }), { code: 'invalid_base64' }, data);
    }
  });

  test('a data: URL is accepted', async () => {
    const saved = await saveAttachment(env.filesDir, { name: 'a.txt', mediaType: 'text/plain', data: `data:text/plain;base64,${b64('hi')}` });
    assert.equal(readFileSync(saved.path, 'utf8'), 'hi');
  });

  test('the bytes decide the image type and the extension', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const saved = await saveAttachment(env.filesDir, { type: 'image', name: 'photo.exe', mediaType: 'image/jpeg', data: b64(png) });
    assert.equal(saved.mediaType, 'image/png');
    assert.equal(saved.kind, 'image');
    assert.equal(saved.name, 'photo.png');
    const fakeImage = await saveAttachment(env.filesDir, { name: 'x.png', mediaType: 'image/png', data: b64('<svg onload=alert(1)>') });
    assert.equal(fakeImage.kind, 'file', 'not an image the model API would accept');
    const pdf = await saveAttachment(env.filesDir, { name: 'doc', mediaType: 'application/pdf', data: b64('%PDF-1.4\n') });
    assert.equal(pdf.kind, 'document');
    assert.equal(pdf.name, 'doc.pdf');
    const audio = await saveAttachment(env.filesDir, { name: 'voice', mediaType: 'audio/webm', data: b64('x') });
    assert.equal(audio.kind, 'audio');
    assert.equal(audio.name, 'voice.webm');
  });

  test('a symlink planted at the chosen name is not followed', async () => {
    const target = join(env.root, 'outside.txt');
    writeFileSync(target, 'original');
    const date = '2026-01-02';
    symlinkSync(target, join(env.filesDir, `${date}-deadbeef-t.txt`));
    const ids = ['deadbeef', 'cafebabe'];
    const saved = await saveAttachment(
      env.filesDir,
      { name: 't.txt', mediaType: 'text/plain', data: b64('attacker-controlled') },
      { randomId: () => ids.shift() ?? 'ffffffff', now: () => new Date(`${date}T12:00:00Z`) },
    );
    assert.equal(readFileSync(target, 'utf8'), 'original');
    assert.equal(basename(saved.path), `${date}-cafebabe-t.txt`);
    assert.ok(!lstatSync(saved.path).isSymbolicLink());
    // Always the same planted name: it gives up rather than writing through the link.
    symlinkSync(target, join(env.filesDir, `${date}-00000000-u.txt`));
    await assert.rejects(
      saveAttachment(env.filesDir, { name: 'u.txt', mediaType: 'text/plain', data: b64('x') }, { randomId: () => '00000000', now: () => new Date(`${date}T12:00:00Z`) }),
      { code: 'write_failed' },
    );
    assert.equal(readFileSync(target, 'utf8'), 'original');
  });

  test('filesDir replaced by a symlink (the agent can do that) is refused', async () => {
    const outside = join(env.root, 'elsewhere');
    mkdirSync(outside);
    const files = join(env.workspaceDir, 'files');
    renameSync(files, join(env.workspaceDir, 'files-old'));
    symlinkSync(outside, files);
    try {
      await assert.rejects(saveAttachment(files, { name: 'a.txt', mediaType: 'text/plain', data: b64('x') }), { code: 'unsafe_path' });
      assert.deepEqual(readdirSync(outside), []);
    } finally {
      renameSync(files, join(env.workspaceDir, 'files-link'));
      renameSync(join(env.workspaceDir, 'files-old'), files);
    }
  });

  test('a missing filesDir is created', async () => {
    const dir = join(env.root, 'fresh', 'files');
    const saved = await saveAttachment(dir, { name: 'a.txt', mediaType: 'text/plain', data: b64('x') });
    assert.equal(dirname(saved.path), dir);
  });
});

// A message stored by a run of Fluxy that died before answering it is answered after the restart,
// its files read back from workspace/files, which the agent may have changed meanwhile.
describe('loadSavedAttachment', () => {
  let env: TempEnv;
  before(() => {
    env = makeTempEnv();
  });
  after(() => env.cleanup());

  test('reads a saved file back, the bytes deciding its kind as when it was saved', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const saved = await saveAttachment(env.filesDir, { name: 'shot.png', mediaType: 'image/png', data: b64(png) });
    assert.deepEqual(await loadSavedAttachment(saved.path, saved.name, saved.mediaType), saved);
    // A declared image that is not one stays a plain file, as saveAttachment decided.
    const fake = join(env.filesDir, 'fake.png');
    writeFileSync(fake, 'not a png');
    assert.equal((await loadSavedAttachment(fake, 'fake.png', 'image/png'))?.kind, 'file');
  });

  test('a file gone, a symlink, a FIFO or one grown past the limit gives nothing (and never hangs)', async () => {
    const real = join(env.filesDir, 'real.txt');
    writeFileSync(real, 'twelve bytes');
    const link = join(env.filesDir, 'link.txt');
    symlinkSync(real, link);
    const fifo = join(env.filesDir, 'pipe.txt');
    execFileSync('mkfifo', [fifo]);
    assert.equal(await loadSavedAttachment(join(env.filesDir, 'gone.txt'), 'gone.txt', 'text/plain'), undefined);
    assert.equal(await loadSavedAttachment(link, 'link.txt', 'text/plain'), undefined);
    assert.equal(await loadSavedAttachment(fifo, 'pipe.txt', 'text/plain'), undefined);
    assert.equal(await loadSavedAttachment(real, 'real.txt', 'text/plain', 11), undefined);
    assert.equal((await loadSavedAttachment(real, 'real.txt', 'text/plain', 12))?.size, 12);
  });
});
