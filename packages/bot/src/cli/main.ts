import { parseArgs } from 'node:util';
import { restrictNewFiles } from '../shared/private-files.ts';
import { VERSION } from '../shared/version.ts';
import { setupCommand, statusCommand, stopCommand } from './commands.ts';
import { resolveBotOptions } from './options.ts';
import { startCommand } from './start.ts';

const HELP = `Fluxy ${VERSION}: your own AI agent and apps, at home, reachable from your phone.

Usage:
  fluxy start [--port N] [--host H] [--no-tunnel]   run in the foreground (Ctrl-C stops it)
  fluxy stop                                         stop the running instance
  fluxy status                                       is it running? URLs and each part's state
  fluxy status --json                                the same, as one JSON object
  fluxy setup --password P [--username U] [--provider anthropic|openai|ollama] [--model M]
              [--api-key K] [--base-url URL] [--whisper-key K] [--relay URL]
              [--handle H --tier free|premium] [--tunnel cloudflared|off|URL]
  fluxy --help | --version

Environment:
  FLUXY_HOME          data directory (default ~/.fluxy)
  FLUXY_CLOUDFLARED   the cloudflared executable to run (default: the PATH, else $FLUXY_HOME/bin)
`;

function usage(message: string): never {
  console.error(`fluxy: ${message}\n\n${HELP}`);
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
  console.log(HELP);
  process.exit(0);
}
if (argv[0] === '--version' || argv[0] === '-v') {
  console.log(VERSION);
  process.exit(0);
}

const [command, ...rest] = argv;
// Before any command creates memory.db, config.json or a log: owner-only from the first file on.
restrictNewFiles();
// The environment is read here, once; everything below gets resolved options.
const { paths } = resolveBotOptions();

function parse<T extends Record<string, { type: 'string' | 'boolean' }>>(options: T) {
  try {
    return parseArgs({ args: rest, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    return usage((err as Error).message);
  }
}

switch (command) {
  case 'start': {
    const v = parse({ port: { type: 'string' }, host: { type: 'string' }, 'no-tunnel': { type: 'boolean' } });
    if (v.help) {
      console.log(HELP);
      break;
    }
    const port = v.port === undefined ? undefined : Number(v.port);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65530)) usage('--port takes a number from 1 to 65529');
    await startCommand(resolveBotOptions({ port, host: v.host as string | undefined, noTunnel: v['no-tunnel'] === true }));
    break;
  }
  case 'stop':
    parse({});
    process.exit(await stopCommand(paths));
    break;
  case 'status': {
    const v = parse({ json: { type: 'boolean' } });
    process.exit(await statusCommand(paths, { json: v.json === true }));
    break;
  }
  case 'setup': {
    const v = parse({
      password: { type: 'string' },
      username: { type: 'string' },
      provider: { type: 'string' },
      model: { type: 'string' },
      'api-key': { type: 'string' },
      'base-url': { type: 'string' },
      'whisper-key': { type: 'string' },
      handle: { type: 'string' },
      tier: { type: 'string' },
      relay: { type: 'string' },
      tunnel: { type: 'string' },
    });
    const s = (k: keyof typeof v) => v[k] as string | undefined;
    process.exit(
      await setupCommand(paths, {
        password: s('password'),
        username: s('username'),
        provider: s('provider'),
        model: s('model'),
        apiKey: s('api-key'),
        baseUrl: s('base-url'),
        whisperKey: s('whisper-key'),
        handle: s('handle'),
        tier: s('tier'),
        relay: s('relay'),
        tunnel: s('tunnel'),
      }),
    );
    break;
  }
  default:
    usage(`unknown command '${command}'`);
}
