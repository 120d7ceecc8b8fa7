import { after, before } from 'node:test';
import { type Instance, type InstanceOptions, startInstance } from './instance.ts';

/** A running bot and a session of its owner. */
export interface SignedInBot extends Instance {
  token: string;
}

/**
 * One bot for a whole suite, its owner signed in: call it in a `describe` body. It adds the suite's
 * hooks (start and sign in before the tests, stop after them) and returns the bot at once, empty
 * until the `before` hook has filled it in, so the tests may hold it as a `const`.
 */
export function signedInBot(options?: InstanceOptions): SignedInBot {
  const bot = {} as SignedInBot;
  before(async () => {
    Object.assign(bot, await startInstance(options));
    bot.token = await bot.login();
  });
  after(() => bot.stop?.());
  return bot;
}
