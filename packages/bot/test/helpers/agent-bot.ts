// A real bot whose agent is the real Claude Agent SDK, against a fake Anthropic API scripted by
// prompt: a rule whose key the newest user message contains answers with its steps, or with a
// `Write` of a file in the workspace. The checkpoint tests drive turns this way.
import assert from 'node:assert/strict';
import { type AnthropicStep, type FakeAnthropic, lastToolResults, lastUserText, startFakeAnthropic } from '../fakes/anthropic.ts';
import { type Instance, runCli, startInstance } from './instance.ts';

export const GOOD_ROUTE = "import { Router } from 'express';\nconst router = Router();\nrouter.get('/hello', (_req, res) => { res.json({ hello: 'world' }); });\nexport default router;\n";
export const BROKEN_ROUTE = "import { Router } from 'express';\nconst router = Router(;\nexport default router;\n";

/** A file the agent writes (relative to the workspace), or the steps of its answer. */
export type AgentRule = { write: string; content: string } | AnthropicStep[];

export interface AgentBot {
  fake: FakeAnthropic;
  bot: Instance;
  token: string;
  close(): Promise<void>;
}

export async function startAgentBot(rules: Record<string, AgentRule>, fallback = 'OK'): Promise<AgentBot> {
  let home = '';
  const fake = await startFakeAnthropic((req) => {
    if (lastToolResults(req).length > 0) return [{ text: 'Done.' }];
    const text = lastUserText(req);
    const rule = Object.entries(rules).find(([key]) => text.includes(key))?.[1];
    if (!rule) return [{ text: fallback }];
    if (Array.isArray(rule)) return rule;
    return [{ text: 'On it.' }, { toolUse: { name: 'Write', input: { file_path: `${home}/workspace/${rule.write}`, content: rule.content } } }];
  });
  const bot = await startInstance({ env: { FLUXY_AGENT_MAX_RETRIES: '0' } });
  home = bot.home;
  const r = await runCli(['setup', '--provider', 'anthropic', '--api-key', 'sk-ant-test', '--base-url', fake.url], bot.env);
  assert.equal(r.code, 0, r.stderr);
  const token = await bot.login();
  return {
    fake,
    bot,
    token,
    async close() {
      await bot.stop();
      await fake.close();
    },
  };
}
