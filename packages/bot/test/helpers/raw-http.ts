export { rawRequest } from '../../../http-forward/test/raw-request.ts';

export function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}
