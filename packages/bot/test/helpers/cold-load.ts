import type { Browser } from 'playwright-core';

export interface LoadedResponse {
  url: string;
  /** Bytes on the wire: headers and the (possibly compressed) body. */
  transferred: number;
  /** The body as the page got it, decoded. */
  decoded: number;
  encoding?: string;
}

export interface ColdLoad {
  responses: LoadedResponse[];
  transferred: number;
  decoded: number;
  /** From navigation start to the dashboard's text on screen and the network quiet. */
  ms: number;
}

/**
 * The dashboard loaded by a signed-in browser with an empty cache. A first visit in a throwaway
 * context comes first: Vite optimises its dependencies on the first request and may reload the
 * page, which is not what a returning (or any later) visitor sees.
 */
export async function measureColdLoad(browser: Browser, baseUrl: string, token: string, ready = 'This app is yours.'): Promise<ColdLoad> {
  const signedIn = async () => {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'fluxy_session', value: token, url: baseUrl, httpOnly: true }]);
    return context;
  };
  const warm = await signedIn();
  const first = await warm.newPage();
  await first.goto(`${baseUrl}/`);
  await first.getByText(ready).waitFor({ timeout: 60_000 });
  await warm.close();

  const cold = await signedIn();
  try {
    const page = await cold.newPage();
    const pending: Promise<LoadedResponse>[] = [];
    page.on('requestfinished', (req) => {
      pending.push(
        (async () => {
          const res = await req.response();
          const sizes = await req.sizes();
          const body = res && req.method() === 'GET' ? await res.body().catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
          return {
            url: req.url(),
            transferred: sizes.responseBodySize + sizes.responseHeadersSize,
            decoded: body.length,
            encoding: res?.headers()['content-encoding'],
          };
        })(),
      );
    });
    const t0 = performance.now();
    await page.goto(`${baseUrl}/`);
    await page.getByText(ready).waitFor({ timeout: 60_000 });
    await page.waitForLoadState('networkidle');
    const ms = performance.now() - t0;
    const responses = await Promise.all(pending);
    return {
      responses,
      transferred: responses.reduce((s, r) => s + r.transferred, 0),
      decoded: responses.reduce((s, r) => s + r.decoded, 0),
      ms,
    };
  } finally {
    await cold.close();
  }
}
