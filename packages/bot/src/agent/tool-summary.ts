// The short line a person sees next to a tool step ("src/App.tsx", "npm test"), taken from the
// tool's input. Pure, and forgiving: the input comes from the model and may lack any field.

/** Long enough for a path or a one-line command, short enough for a phone's line. */
const MAX_SUMMARY = 160;

/** Which input field says what a tool acts on, and whether that field is a path. */
const FIELDS: Record<string, { key: string; path?: true }> = {
  Read: { key: 'file_path', path: true },
  Write: { key: 'file_path', path: true },
  Edit: { key: 'file_path', path: true },
  MultiEdit: { key: 'file_path', path: true },
  NotebookEdit: { key: 'notebook_path', path: true },
  LS: { key: 'path', path: true },
  Bash: { key: 'command' },
  Glob: { key: 'pattern' },
  Grep: { key: 'pattern' },
  WebFetch: { key: 'url' },
  WebSearch: { key: 'query' },
  Task: { key: 'description' },
};

/**
 * `toWorkspacePath` makes a path relative to the workspace; a path outside it is shown as the
 * agent wrote it (the person should see that it reached outside).
 */
export function summarizeTool(
  name: string,
  input: Record<string, unknown>,
  toWorkspacePath: (p: string) => string | undefined,
): string | undefined {
  const field = FIELDS[name];
  if (!field) return undefined;
  const value = input[field.key];
  if (typeof value !== 'string') return undefined;
  const text = field.path ? (toWorkspacePath(value) ?? value) : value.trim();
  if (text === '') return undefined;
  // A multi-line command (a heredoc) is shown by its first line; the whole is in the transcript.
  const firstLine = text.split('\n', 1)[0]!.trimEnd();
  const cut = firstLine !== text ? `${firstLine} …` : text;
  return cut.length > MAX_SUMMARY ? `${cut.slice(0, MAX_SUMMARY - 1)}…` : cut;
}
