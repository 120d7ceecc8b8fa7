// The addendum appended to Claude Code's own system prompt: what the workspace is, and the one
// rule that keeps the agent inside it. Kept in a text file so it reads (and diffs) as prose.
import { readFileSync } from 'node:fs';

const TEMPLATE = readFileSync(new URL('./fluxy-system-prompt.txt', import.meta.url), 'utf8');

export function buildSystemPromptAddendum(workspaceDir: string): string {
  return TEMPLATE.replaceAll('{{WORKSPACE}}', workspaceDir);
}

/** For the tool-less chat providers: they cannot touch the workspace, so they should not pretend to. */
export const CHAT_SYSTEM_PROMPT =
  'You are Fluxy, a helpful personal assistant. In this mode you can only chat: you cannot read or ' +
  'change files, run commands or edit the user\'s app. If asked to, say that this needs the Claude ' +
  'provider (set in Settings). Keep replies short and friendly; the user is often on a phone.';
