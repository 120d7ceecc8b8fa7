// What every scripted model fake keeps, whatever its wire format: the requests in arrival order, a
// script that picks each one's reply, and the text pieces written (when, for latency measurements).
import { performance } from 'node:perf_hooks';
import type { RecordedRequest, WrittenChunk } from './http.ts';

/** Decides the reply to the n-th scripted request (0-based): a function, or one list of steps per request. */
export type Script<R, S> = ((req: R, index: number) => S[] | Promise<S[]>) | S[][];

export interface ScriptedFake<R> {
  url: string;
  /** Every scripted request, in arrival order. */
  requests: R[];
  /** Each text piece written, with the performance.now() at which it was written. */
  chunks: WrittenChunk[];
  onChunk?: (chunk: WrittenChunk) => void;
  /** Resolves when the next scripted request arrives. */
  nextRequest(): Promise<R>;
  close(): Promise<void>;
}

export interface Turn<S> {
  steps: S[];
  /** Reports a text piece as written (to `chunks` and `onChunk`). */
  emit(text: string): void;
}

/**
 * The fake a test holds (its url and close are set once the server listens; `extra` adds what one
 * API has besides), and `take`, which records a scripted request and gives the steps to answer it with.
 */
export function createScriptedFake<R extends RecordedRequest, S, E extends object>(script: Script<R, S>, fallback: S[], extra: E) {
  let waiters: ((r: R) => void)[] = [];
  const base: ScriptedFake<R> = {
    url: '',
    requests: [],
    chunks: [],
    nextRequest: () => new Promise((resolve) => waiters.push(resolve)),
    close: async () => {},
  };
  const fake = Object.assign(base, extra);
  async function take(req: R): Promise<Turn<S>> {
    const index = fake.requests.length;
    fake.requests.push(req);
    const ready = waiters;
    waiters = [];
    for (const w of ready) w(req);
    const steps = Array.isArray(script) ? (script[index] ?? fallback) : await script(req, index);
    const emit = (text: string) => {
      const c = { requestIndex: index, text, writtenAt: performance.now() };
      fake.chunks.push(c);
      fake.onChunk?.(c);
    };
    return { steps, emit };
  }
  return { fake, take };
}
