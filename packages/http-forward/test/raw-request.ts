// Shared by the tests of the forwarder, the relay and the bot: what a client that does not normalise
// anything sends, and every byte of what comes back.
import { connect } from 'node:net';

/** Sends bytes as they are (no client-side normalisation of paths or headers) and returns the raw answer. */
export function rawRequest(port: number, data: string | Buffer, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms; got: ${out.slice(0, 200)}`));
    }, timeoutMs);
    socket.on('data', (d) => {
      out += d.toString('latin1');
      // One response is enough: stop at the end of its body when it has a length.
      const m = /content-length: (\d+)/i.exec(out);
      const head = out.indexOf('\r\n\r\n');
      if (m && head !== -1 && out.length >= head + 4 + Number(m[1])) socket.end();
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (out) resolve(out);
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(data);
  });
}
