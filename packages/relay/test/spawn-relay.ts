import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/fluxy-relay.js', import.meta.url));

export interface SpawnedRelay {
  url: string;
  proc: ChildProcess;
  lines: string[];
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Runs the real `fluxy-relay` command; ready when a worker logs "relay listening". */
export async function spawnRelay(args: string[], readyCount = 1): Promise<SpawnedRelay> {
  const proc = spawn(process.execPath, [BIN, '--port', '0', '--host', '127.0.0.1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  proc.stderr!.on('data', (c) => (stderr += c));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    let ready = 0;
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${stderr}`)), 30_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let i = buf.indexOf('\n');
      while (i !== -1) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        const entry = JSON.parse(line) as { msg: string; address?: string };
        if (entry.msg === 'relay listening' && ++ready >= readyCount) {
          clearTimeout(timer);
          resolve(`http://${entry.address}`);
        }
        i = buf.indexOf('\n');
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with ${code}: ${stderr}`));
    });
  });
  return {
    url,
    proc,
    lines,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      const exited = once(proc, 'exit');
      proc.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
