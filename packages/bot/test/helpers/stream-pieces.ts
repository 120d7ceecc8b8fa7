import type { Readable } from 'node:stream';

export interface Pieces {
  /** The whole pieces so far, in order, without their separators. */
  pieces: string[];
  /** Resolves once `count` whole pieces are in (at once if they already are). */
  arrived(count: number): Promise<void>;
}

/**
 * Splits a text stream on `separator` as it arrives, so a streaming test can wait for each piece as
 * it comes: without a timer, and without the end of the stream (a piece stuck in a buffer never arrives).
 */
export function collectPieces(stream: Readable, separator: string): Pieces {
  const pieces: string[] = [];
  let buffered = '';
  let check: (() => void) | undefined;
  stream.setEncoding('utf8');
  stream.on('data', (s: string) => {
    buffered += s;
    const parts = buffered.split(separator);
    buffered = parts.pop()!;
    pieces.push(...parts);
    check?.();
  });
  return {
    pieces,
    arrived: (count) =>
      new Promise<void>((resolve) => {
        check = () => pieces.length >= count && resolve();
        check();
      }),
  };
}
