import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RelayStore } from '../src/store/index.ts';

/** The one suite both stores must pass; `open` gives a fresh, empty store each call. */
export function storeSuite(kind: string, open: () => Promise<RelayStore>): void {
  const T0 = 1_000_000;

  test(`${kind}: migrate is idempotent and concurrent-safe`, async () => {
    const a = await open();
    await Promise.all([a.migrate(), a.migrate()]);
    await a.migrate();
    await a.close();
  });

  test(`${kind}: create, look up by name and by token hash`, async () => {
    const s = await open();
    try {
      const r = await s.createHandle({ name: 'bruno', tier: 'free', tokenHash: 'h1', now: T0 });
      assert.ok(r.ok);
      assert.equal(r.record.name, 'bruno');
      assert.equal(r.record.online, false);
      assert.equal(r.record.tunnelUrl, null);
      assert.equal((await s.getHandle('bruno', 'free'))?.id, r.record.id);
      assert.equal((await s.getHandleByTokenHash('h1'))?.name, 'bruno');
      assert.equal(await s.getHandle('bruno', 'premium'), undefined);
      assert.equal(await s.getHandleByTokenHash('nope'), undefined);
    } finally {
      await s.close();
    }
  });

  test(`${kind}: one name once per tier; premium needs a grant, consumed once`, async () => {
    const s = await open();
    try {
      assert.ok((await s.createHandle({ name: 'ana', tier: 'free', tokenHash: 'a1', now: T0 })).ok);
      assert.deepEqual(await s.createHandle({ name: 'ana', tier: 'free', tokenHash: 'a2', now: T0 }), { ok: false, reason: 'taken' });
      assert.equal(await s.claimRefusal('ana', 'free', T0), 'taken');
      assert.equal(await s.claimRefusal('ana', 'premium', T0), 'entitlement_required');
      assert.deepEqual(await s.createHandle({ name: 'ana', tier: 'premium', tokenHash: 'a3', now: T0 }), {
        ok: false,
        reason: 'entitlement_required',
      });
      await s.grant('ana', T0);
      await s.grant('ana', T0); // granting twice is one grant
      assert.deepEqual(await s.listGrants(), ['ana']);
      assert.equal(await s.claimRefusal('ana', 'premium', T0), undefined);
      assert.ok((await s.createHandle({ name: 'ana', tier: 'premium', tokenHash: 'a3', now: T0 })).ok);
      assert.deepEqual(await s.listGrants(), []);
      assert.equal(await s.revoke('ana'), false);
      await s.grant('zed', T0);
      assert.equal(await s.revoke('zed'), true);
    } finally {
      await s.close();
    }
  });

  test(`${kind}: two racing claims of one name: exactly one wins`, async () => {
    const s = await open();
    try {
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => s.createHandle({ name: 'race', tier: 'free', tokenHash: `r${i}`, now: T0 })),
      );
      assert.equal(results.filter((r) => r.ok).length, 1);
      assert.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'taken'));
    } finally {
      await s.close();
    }
  });

  test(`${kind}: touch marks online and keeps the URL unless given; offline`, async () => {
    const s = await open();
    try {
      const r = await s.createHandle({ name: 'tim', tier: 'free', tokenHash: 't1', now: T0 });
      assert.ok(r.ok);
      let rec = await s.touch(r.record.id, T0 + 5, 'https://x.example.com');
      assert.equal(rec?.online, true);
      assert.equal(rec?.lastSeenAt, T0 + 5);
      assert.equal(rec?.tunnelUrl, 'https://x.example.com');
      rec = await s.touch(r.record.id, T0 + 9);
      assert.equal(rec?.tunnelUrl, 'https://x.example.com');
      assert.equal(rec?.lastSeenAt, T0 + 9);
      rec = await s.setOffline(r.record.id);
      assert.equal(rec?.online, false);
      assert.equal(typeof rec?.lastSeenAt, 'number');
    } finally {
      await s.close();
    }
  });

  test(`${kind}: rename holds the old name for its owner only; release cools off`, async () => {
    const s = await open();
    try {
      const a = await s.createHandle({ name: 'old', tier: 'free', tokenHash: 'oa', now: T0 });
      const b = await s.createHandle({ name: 'other', tier: 'free', tokenHash: 'ob', now: T0 });
      assert.ok(a.ok && b.ok);
      assert.deepEqual(await s.rename(a.record.id, 'other', T0, T0 + 100), { ok: false, reason: 'taken' });
      const moved = await s.rename(a.record.id, 'new', T0, T0 + 100);
      assert.ok(moved.ok);
      assert.equal(moved.record.name, 'new');
      assert.equal(await s.getHandle('old', 'free'), undefined);
      // Someone else cannot take the old name during the cooling-off…
      assert.equal(await s.claimRefusal('old', 'free', T0 + 50), 'cooling_off');
      assert.deepEqual(await s.createHandle({ name: 'old', tier: 'free', tokenHash: 'x', now: T0 + 50 }), {
        ok: false,
        reason: 'cooling_off',
      });
      assert.deepEqual(await s.rename(b.record.id, 'old', T0 + 50, T0 + 200), { ok: false, reason: 'cooling_off' });
      // …but its owner can go back to it.
      const back = await s.rename(a.record.id, 'old', T0 + 60, T0 + 160);
      assert.ok(back.ok);
      // Release: held for the old token; after the hold, anyone.
      const released = await s.release(a.record.id, T0 + 300);
      assert.equal(released?.name, 'old');
      assert.equal(await s.getHandleByTokenHash('oa'), undefined);
      assert.equal(await s.claimRefusal('old', 'free', T0 + 299), 'cooling_off');
      assert.equal(await s.claimRefusal('old', 'free', T0 + 299, 'oa'), undefined);
      assert.equal(await s.claimRefusal('old', 'free', T0 + 300), undefined);
      const reclaimed = await s.createHandle({ name: 'old', tier: 'free', tokenHash: 'oa2', now: T0 + 299, reclaimTokenHash: 'oa' });
      assert.ok(reclaimed.ok);
      assert.equal(await s.release(9_999_999, T0), undefined);
    } finally {
      await s.close();
    }
  });

  test(`${kind}: a token holds one released name at a time`, async () => {
    const s = await open();
    try {
      const a = await s.createHandle({ name: 'first', tier: 'free', tokenHash: 'ta', now: T0 });
      assert.ok(a.ok);
      for (const name of ['second', 'third']) assert.ok((await s.rename(a.record.id, name, T0, T0 + 1000)).ok);
      // 'first' was freed when 'second' was renamed away from; only the last old name is held.
      assert.equal(await s.claimRefusal('first', 'free', T0 + 1), undefined);
      assert.equal(await s.claimRefusal('second', 'free', T0 + 1), 'cooling_off');
      assert.equal(await s.claimRefusal('second', 'free', T0 + 1, 'ta'), undefined, 'but not for its owner');
      const released = await s.release(a.record.id, T0 + 1000);
      assert.equal(released?.name, 'third');
      assert.equal(await s.claimRefusal('second', 'free', T0 + 2), undefined);
      assert.equal(await s.claimRefusal('third', 'free', T0 + 2), 'cooling_off');
    } finally {
      await s.close();
    }
  });

  test(`${kind}: changes published reach onChange`, async () => {
    const s = await open();
    try {
      const heard: string[] = [];
      s.onChange((k) => heard.push(k));
      // PostgreSQL LISTEN is set up asynchronously: publish until heard.
      const deadline = Date.now() + 10_000;
      while (!heard.includes('free:bruno')) {
        if (Date.now() > deadline) throw new Error('no change heard');
        await s.publishChange('free:bruno');
        await new Promise((r) => setTimeout(r, 50));
      }
      await s.ping();
    } finally {
      await s.close();
    }
  });
}
