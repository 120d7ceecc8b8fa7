import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { type CliServe, parseCli, USAGE } from './cli-args.ts';
import { runPrimary, runWorker } from './cluster.ts';
import { checkHandleName } from './handles.ts';
import { openStore } from './store/index.ts';

/** `fluxy-relay`: parse, then serve (one process, or a primary with workers) or manage grants. */
async function main(argv: string[]): Promise<number> {
  const cmd = parseCli(argv);
  switch (cmd.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'version': {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    case 'grant':
    case 'revoke':
    case 'grants': {
      const store = openStore(cmd.db);
      try {
        await store.migrate();
        if (cmd.command === 'grants') {
          for (const name of await store.listGrants()) process.stdout.write(`${name}\n`);
        } else if (cmd.command === 'grant') {
          const problem = checkHandleName(cmd.name);
          if (problem) throw Object.assign(new Error(`"${cmd.name}" is ${problem} as a handle`), { code: 'ERR_USAGE' });
          await store.grant(cmd.name, Date.now());
          process.stdout.write(`granted: ${cmd.name} may be registered once as premium\n`);
        } else if (!(await store.revoke(cmd.name))) {
          process.stdout.write(`no unused grant for ${cmd.name}\n`);
          return 1;
        } else {
          process.stdout.write(`revoked: ${cmd.name}\n`);
        }
        return 0;
      } finally {
        await store.close();
      }
    }
    case 'serve':
      return serve(cmd);
  }
}

async function serve(cmd: CliServe): Promise<number> {
  if (cmd.workers > 1 && cluster.isPrimary) await runPrimary(cmd);
  else await runWorker(cmd);
  return 0; // the process stays up on its servers; shutdown exits explicitly
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (err: NodeJS.ErrnoException) => {
    if (err.code === 'ERR_USAGE' || err.code === 'ERR_BAD_OPTION' || err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`fluxy-relay: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`fluxy-relay: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
