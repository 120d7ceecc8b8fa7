// Syntax highlighting, loaded only when an answer has a code block: lowlight turns code into a tree
// (no HTML strings), and each language's grammar is its own chunk, fetched the first time it is needed.
import type { LanguageFn } from 'highlight.js';
import type { Root } from 'hast';
import { createLowlight } from 'lowlight';

type Loader = () => Promise<{ default: LanguageFn }>;

const LOADERS: Record<string, Loader> = {
  bash: () => import('highlight.js/lib/languages/bash'),
  c: () => import('highlight.js/lib/languages/c'),
  cpp: () => import('highlight.js/lib/languages/cpp'),
  css: () => import('highlight.js/lib/languages/css'),
  diff: () => import('highlight.js/lib/languages/diff'),
  go: () => import('highlight.js/lib/languages/go'),
  java: () => import('highlight.js/lib/languages/java'),
  javascript: () => import('highlight.js/lib/languages/javascript'),
  json: () => import('highlight.js/lib/languages/json'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
  python: () => import('highlight.js/lib/languages/python'),
  rust: () => import('highlight.js/lib/languages/rust'),
  sql: () => import('highlight.js/lib/languages/sql'),
  typescript: () => import('highlight.js/lib/languages/typescript'),
  xml: () => import('highlight.js/lib/languages/xml'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
};
const ALIASES: Record<string, string> = {
  js: 'javascript',
  jsx: 'javascript',
  mjs: 'javascript',
  ts: 'typescript',
  tsx: 'typescript',
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  console: 'bash',
  html: 'xml',
  svg: 'xml',
  py: 'python',
  yml: 'yaml',
  md: 'markdown',
  rs: 'rust',
  'c++': 'cpp',
  patch: 'diff',
};

const lowlight = createLowlight();
const loading = new Map<string, Promise<void>>();

export function resolveLanguage(lang: string): string | undefined {
  const name = lang.toLowerCase();
  const resolved = ALIASES[name] ?? name;
  return resolved in LOADERS ? resolved : undefined;
}

/** The highlighted tree, or null for a language we do not know (shown as plain text). */
export async function highlight(code: string, lang: string): Promise<Root | null> {
  const name = resolveLanguage(lang);
  if (!name) return null;
  let pending = loading.get(name);
  if (!pending) {
    pending = LOADERS[name]!().then((mod) => lowlight.register(name, mod.default));
    loading.set(name, pending);
  }
  await pending;
  return lowlight.highlight(name, code);
}
