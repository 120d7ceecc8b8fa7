// The shared forwarder alone, with nothing of the supervisor around it (no routing, no path or
// Host checks, no forwarded headers), as a bench row: what the forwarder costs by itself.
// Usage: node --import tsx bare-forwarder.ts LISTEN_PORT TARGET_URL
import { forwardHttp } from '@fluxy/http-forward';
import { Agent, createServer } from 'node:http';

const [port, target] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 256, scheduling: 'lifo' });
const origin = new URL(target!);
createServer((req, res) => forwardHttp(req, res, { target: origin, agent, keepHost: true, onError: () => res.destroy() })).listen(
  Number(port),
  '127.0.0.1',
  () => console.log('ready'),
);
