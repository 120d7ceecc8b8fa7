import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTunnelUrl, isBlockedAddress } from '../src/ssrf.ts';
import { createFakeDns } from './fake-dns.ts';

test('internal IPv4 and IPv6 addresses are blocked, public ones are not', () => {
  for (const a of [
    '0.0.0.0', '10.1.2.3', '100.64.0.1', '127.0.0.1', '127.255.255.254', '169.254.169.254', '172.16.0.1', '172.31.255.255',
    '192.168.1.1', '198.18.0.1', '224.0.0.1', '255.255.255.255', '192.0.2.1',
    '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1',
    '::ffff:169.254.169.254', '64:ff9b::127.0.0.1', '::127.0.0.1', '[::1]', 'not-an-ip',
  ]) {
    assert.equal(isBlockedAddress(a), true, a);
  }
  for (const a of ['1.1.1.1', '104.16.0.1', '172.32.0.1', '100.128.0.1', '2606:4700::1', '::ffff:1.1.1.1', '2001:4860:4860::8888']) {
    assert.equal(isBlockedAddress(a), false, a);
  }
});

test('tunnel URLs: scheme, shape and address are checked when set', async () => {
  const { lookup } = createFakeDns({
    'ok.trycloudflare.com': ['104.16.0.1'],
    'evil.example.com': ['10.0.0.7'],
    'evil6.example.com': ['::1'],
    'mixed.example.com': ['104.16.0.1', '127.0.0.1'],
    'meta.example.com': ['169.254.169.254'],
  });
  const refused = async (url: string, code: string) => {
    const r = await checkTunnelUrl(url, false, lookup);
    assert.equal(r.ok, false, url);
    if (!r.ok) assert.equal(r.problem.code, code, url);
  };
  for (const url of [
    'http://127.0.0.1:3000', 'http://localhost:3000', 'http://foo.localhost', 'http://intranet', 'http://10.0.0.1',
    'http://192.168.0.10:8080', 'http://172.20.1.1', 'http://169.254.169.254/', 'http://[::1]:3000', 'http://[fe80::1]',
    'http://[fc00::1]', 'http://[::ffff:127.0.0.1]', 'http://0.0.0.0', 'http://2130706433', 'http://0x7f.1', 'http://100.64.1.1',
    'http://evil.example.com', 'https://evil6.example.com', 'http://mixed.example.com', 'http://meta.example.com',
    // A final dot names the same host to DNS: refused when set, not only at connect time.
    'http://localhost.', 'http://localhost.:3000', 'http://foo.localhost.', 'http://intranet.', 'http://evil.example.com.',
  ]) {
    await refused(url, 'forbidden_tunnel_url');
  }
  for (const url of ['ftp://x.example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'https://u:p@x.example.com', 'https://x.example.com/path', 'https://x.example.com/?q']) {
    await refused(url, 'invalid_tunnel_url');
  }
  assert.deepEqual(await checkTunnelUrl('https://ok.trycloudflare.com/', false, lookup), { ok: true, url: 'https://ok.trycloudflare.com' });
  assert.deepEqual(await checkTunnelUrl('https://104.16.0.1', false, lookup), { ok: true, url: 'https://104.16.0.1' });
  // Not resolvable yet: accepted; the proxy-time check guards the connection.
  assert.equal((await checkTunnelUrl('https://fresh.trycloudflare.com', false, lookup)).ok, true);
  // The development switch lets loopback through.
  assert.equal((await checkTunnelUrl('http://127.0.0.1:3000', true, lookup)).ok, true);
});
