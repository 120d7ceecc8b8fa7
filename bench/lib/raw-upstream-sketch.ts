// A sketch, not product code: the upstream half of a leaner data plane (issue 8's option 1), as a
// bench row to show what Node's http client costs the forwarder. Node's http server still takes
// the request and ServerResponse writes the answer; towards the target it keeps raw keep-alive
// sockets, writes the request head in one write and reads the answer's head itself. It handles
// only what the bench sends (a GET without body, an answer with Content-Length) and trusts the
// target's bytes: the product's forwarder would need a strict parser (llhttp), chunked framing,
// streaming with backpressure and the error paths before it could take this shape.
// Usage: node --import tsx raw-upstream-sketch.ts LISTEN_PORT TARGET_URL
import { createServer, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';

const [port, target] = process.argv.slice(2);
const origin = new URL(target!);
const idle: Socket[] = [];
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** A socket leaves the pool when the child closes it (Express ends idle ones after 5 s). */
function open(): Socket {
  const sock = connect(Number(origin.port), origin.hostname).setNoDelay(true);
  sock.on('error', () => {});
  sock.on('close', () => {
    const at = idle.indexOf(sock);
    if (at >= 0) idle.splice(at, 1);
  });
  return sock;
}

function send(head: string, res: ServerResponse, retry: boolean): void {
  const sock = idle.pop() ?? open();
  let buf: Buffer | undefined;
  const onData = (d: Buffer) => {
    buf = buf ? Buffer.concat([buf, d]) : d;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const lines = buf.toString('latin1', 0, end).split('\r\n');
    const headers: string[] = [];
    let length = 0;
    for (let i = 1; i < lines.length; i++) {
      const colon = lines[i]!.indexOf(':');
      const name = lines[i]!.slice(0, colon).toLowerCase();
      const value = lines[i]!.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      if (!HOP.has(name)) headers.push(name, value);
    }
    if (buf.length < end + 4 + length) return;
    sock.off('data', onData).off('close', onClose);
    idle.push(sock);
    res.writeHead(Number(lines[0]!.slice(9, 12)), headers);
    res.end(buf.subarray(end + 4, end + 4 + length));
  };
  // The child closed a pooled socket as the request went out: once more on a new one.
  const onClose = () => (retry && !buf ? send(head, res, false) : res.destroy());
  sock.on('data', onData).once('close', onClose);
  sock.write(head);
}

createServer((req, res) => {
  let head = `${req.method} ${req.url} HTTP/1.1\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (!HOP.has(raw[i]!.toLowerCase())) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  send(`${head}\r\n`, res, true);
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
