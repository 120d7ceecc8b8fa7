import { connect, type Socket } from 'node:net';

export interface IdleClients {
  sockets: Socket[];
  /** Sockets the server has closed (FIN or reset seen); the clients never close their side first. */
  ended(): number;
  /** What the server wrote on each socket it answered before closing it. */
  answers: string[];
  destroy(): void;
}

/**
 * Opens `count` connections from `localAddress` (another loopback address, so the test's own
 * requests are another client) that send nothing and, like the review's attacker, never close
 * their side (allowHalfOpen): only the server can free them. Resolves once each is connected or
 * already refused.
 */
export async function openIdleClients(port: number, count: number, localAddress: string): Promise<IdleClients> {
  const sockets: Socket[] = [];
  const answers: string[] = [];
  let ended = 0;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const s = connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true });
          sockets.push(s);
          let got = '';
          let done = false;
          const finished = () => {
            resolve();
            if (done) return;
            done = true;
            ended++;
            if (got) answers.push(got);
          };
          s.on('data', (d) => (got += d.toString('latin1')));
          s.on('error', () => {});
          s.once('end', finished);
          s.once('close', finished);
          s.once('connect', () => resolve());
        }),
    ),
  );
  return {
    sockets,
    answers,
    ended: () => ended,
    destroy() {
      for (const s of sockets) s.destroy();
    },
  };
}
