// The worker's "settings changed" header is acted on and never leaves the supervisor, however
// the reply's headers are written: setHeader with implicit headers, or writeHead with an object,
// a flat raw list or pairs.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { watchSettingsChanged } from '../src/supervisor/settings-changed.ts';

const HEADER = 'x-fluxy-settings-changed';
const writers: Record<string, (res: ServerResponse) => void> = {
  'setHeader, implicit head': (res) => {
    res.setHeader(HEADER, '1');
    res.setHeader('x-other', 'kept');
    res.end('ok');
  },
  'writeHead with an object': (res) => {
    res.writeHead(200, { 'X-Fluxy-Settings-Changed': '1', 'x-other': 'kept' }).end('ok');
  },
  'writeHead with a flat raw list': (res) => {
    res.writeHead(200, 'OK', [HEADER, '1', 'x-other', 'kept']).end('ok');
  },
  'writeHead with pairs': (res) => {
    res.writeHead(200, [[HEADER, '1'], ['x-other', 'kept']] as unknown as string[]).end('ok');
  },
  'no header': (res) => {
    res.writeHead(200, { 'x-other': 'kept' }).end('ok');
  },
};

describe('the settings-changed header', () => {
  const seen: string[] = [];
  let port: number;
  const server = createServer((req, res) => {
    const name = decodeURIComponent(req.url!.slice(1));
    watchSettingsChanged(res, () => seen.push(name));
    writers[name]!(res);
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise((r) => server.close(r)));

  for (const name of Object.keys(writers)) {
    test(name, async () => {
      const res = await fetch(`http://127.0.0.1:${port}/${encodeURIComponent(name)}`);
      assert.equal(await res.text(), 'ok');
      assert.equal(res.headers.get(HEADER), null);
      assert.equal(res.headers.get('x-other'), 'kept');
      // 'finish' fires once the reply is handed to the socket, before the client sees it end.
      assert.deepEqual(seen.includes(name), name !== 'no header');
    });
  }
});
