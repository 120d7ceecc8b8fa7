import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FluxyError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { createGit } from './git.ts';
import { type Checkpoint, type CheckpointKind, checkpointMessage, parseLog } from './log-format.ts';
import { fitsCheckpoint, listWorkspaceFiles, MAX_CHECKPOINT_FILE_BYTES } from './walk.ts';

export type { Checkpoint, CheckpointKind } from './log-format.ts';

const REF = 'refs/heads/checkpoints';
/** Loose objects are packed after this many checkpoints, so 1,000 small edits stay a few megabytes. */
const GC_EVERY = 100;
/** A diff larger than this is cut: it is for a person to read on a phone. */
const MAX_DIFF_BYTES = 512 * 1024;
const ID = /^[0-9a-f]{40}$/;

export interface CheckpointStoreOptions {
  /** The history, outside the workspace: nothing the agent does in the workspace (`rm -rf .git`) reaches it. */
  gitDir: string;
  workspace: string;
  log: Logger;
  maxFileBytes?: number;
  /** Tests only: a shorter limit for one git call than `GIT_TIMEOUT_MS`. */
  gitTimeoutMs?: number;
}

export interface SnapshotMeta {
  kind: CheckpointKind;
  conversationId?: string;
  messageId?: string;
  restoredFrom?: string;
}

/**
 * The checkpoint history: a bare git repository (`$FLUXY_HOME/checkpoints`) whose work tree is the
 * workspace, one linear branch, one commit per checkpoint, its metadata in the commit message.
 * Every operation runs in one queue: a snapshot never sees a restore half done.
 */
export function createCheckpointStore(options: CheckpointStoreOptions) {
  const { gitDir, workspace, log } = options;
  const maxBytes = options.maxFileBytes ?? MAX_CHECKPOINT_FILE_BYTES;
  const git = createGit({ gitDir, workTree: workspace, timeoutMs: options.gitTimeoutMs });
  let chain: Promise<unknown> = Promise.resolve();
  let ready: Promise<void> | null = null;
  let sinceGc = 0;

  /** One git operation at a time, in order; a failure does not stop the ones behind it. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(async () => {
      await init();
      return fn();
    });
    chain = next.catch(() => undefined);
    return next;
  };

  const init = (): Promise<void> =>
    (ready ??= (async () => {
      if (!existsSync(join(gitDir, 'HEAD'))) {
        await git.init();
        writeFileSync(join(gitDir, 'description'), 'Fluxy checkpoints of the workspace; see ARCHITECTURE.md.\n');
      }
      // info/attributes outranks every .gitattributes in the workspace (the agent's to edit): files
      // are stored and restored byte for byte, never through line-ending conversion or a filter.
      mkdirSync(join(gitDir, 'info'), { recursive: true });
      writeFileSync(join(gitDir, 'info', 'attributes'), '* -text -eol -filter -ident -working-tree-encoding\n');
    })().catch((err) => {
      ready = null;
      throw err;
    }));

  /** The newest checkpoint and its tree, remembered: we are the only writer of the ref (undefined: not read yet). */
  let head: { commit: string; tree: string } | null | undefined;
  const readHead = async () => {
    if (head !== undefined) return head;
    const [commit, tree] = (await git(['for-each-ref', '--format=%(objectname) %(tree)', REF])).trim().split(' ');
    head = commit && tree ? { commit, tree } : null;
    return head;
  };
  const headCommit = async (): Promise<string | null> => (await readHead())?.commit ?? null;

  /** The tree of the index as this process last wrote it (undefined: unknown, ask git). */
  let indexTree: string | undefined;
  /**
   * Makes the index exactly the workspace's checkpointed files and returns its tree. Only files
   * new, changed (git's stat cache says which, in one call) or gone are handed to git, by path
   * (`update-index`, not `add`: a pathspec per file makes `add` quadratic in the workspace size).
   */
  const stageWorkspace = async (): Promise<string> => {
    const [files, listed] = await Promise.all([listWorkspaceFiles(workspace), git(['ls-files', '-z', '-t', '-c', '-m', '-d'])]);
    const indexed = new Set<string>();
    const modified = new Set<string>();
    for (const entry of listed.split('\0')) {
      if (entry.length < 3) continue;
      const path = entry.slice(2);
      if (entry[0] === 'H') indexed.add(path);
      else modified.add(path); // C (changed) or R (removed)
    }
    const wanted = new Set(files);
    const candidates = files.filter((f) => !indexed.has(f) || modified.has(f));
    const fits = await Promise.all(candidates.map((f) => fitsCheckpoint(workspace, f, maxBytes)));
    const add = candidates.filter((_, i) => fits[i]);
    const remove = [...indexed].filter((f) => !wanted.has(f)).concat(candidates.filter((f, i) => !fits[i] && indexed.has(f)));
    // Nothing handed to git: the index is what it was when we last wrote its tree (a spawn saved per turn).
    if (remove.length === 0 && add.length === 0 && indexTree) return indexTree;
    indexTree = undefined;
    if (remove.length > 0) await git(['update-index', '--force-remove', '-z', '--stdin'], `${remove.join('\0')}\0`);
    if (add.length > 0) await git(['update-index', '--add', '--replace', '-z', '--stdin'], `${add.join('\0')}\0`);
    indexTree = (await git(['write-tree'])).trim();
    return indexTree;
  };

  const commit = async (tree: string, parent: string | null, meta: SnapshotMeta): Promise<string> => {
    const id = (await git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-'], checkpointMessage(meta))).trim();
    try {
      // With the old value: a ref someone else moved is an error, not silently overwritten.
      await git(['update-ref', REF, id, parent ?? '0'.repeat(40)]);
    } catch (err) {
      head = undefined;
      throw err;
    }
    head = { commit: id, tree };
    if (++sinceGc >= GC_EVERY) {
      sinceGc = 0;
      // Incremental: the loose objects of the last checkpoints into one new pack (a full gc would rewrite them all).
      await git(['repack', '-d', '-q']).catch((err) => log.warn('cannot pack the checkpoint history', { error: err }));
    }
    return id;
  };

  const read = async (args: string[]): Promise<Checkpoint[]> =>
    parseLog(await git(['log', '-z', '--name-only', '--no-renames', '--format=%x1e%H%x1f%P%x1f%cI%x1f%B%x1f', ...args]));

  /** A checkpoint of ours, or a 404: ids come from clients. */
  const resolve = async (id: string): Promise<Checkpoint> => {
    const newest = await headCommit();
    if (!ID.test(id) || !newest) throw new FluxyError('checkpoint_not_found', 'There is no such checkpoint.', 404);
    try {
      await git(['merge-base', '--is-ancestor', id, newest]);
    } catch (err) {
      // git exits 1 for "not an ancestor" and 128 for an unknown object: both are "no such checkpoint".
      if (err instanceof FluxyError && err.code === 'checkpoint_git_failed') throw new FluxyError('checkpoint_not_found', 'There is no such checkpoint.', 404);
      throw err;
    }
    const [found] = await read(['-1', id]);
    if (!found) throw new FluxyError('checkpoint_not_found', 'There is no such checkpoint.', 404);
    return found;
  };

  const snapshotNow = async (meta: SnapshotMeta): Promise<Checkpoint | null> => {
    const before = await readHead();
    const parent = before?.commit ?? null;
    const tree = await stageWorkspace();
    if (before && meta.kind !== 'restore' && before.tree === tree) return null;
    const id = await commit(tree, parent, parent ? meta : { kind: 'baseline' });
    const [made] = await read(['-1', id]);
    return made ?? null;
  };

  return {
    /**
     * Records the workspace as it is now, unless it is what the newest checkpoint holds (then
     * null). The very first checkpoint is always the baseline, whatever `meta` says.
     */
    snapshot: (meta: SnapshotMeta) => serial(() => snapshotNow(meta)),
    /** The baseline, if there is no history yet (at start, before the first turn). */
    ensureBaseline: () => serial(async () => ((await headCommit()) ? null : snapshotNow({ kind: 'baseline' }))),
    head: () => serial(headCommit),
    /** Newest first. */
    list: (limit = 200) =>
      serial(async () => ((await headCommit()) ? read(['--first-parent', `--max-count=${Math.max(1, Math.min(limit, 5_000))}`, REF]) : [])),
    /** The changes a checkpoint made, as a unified diff (cut at 512 KB). */
    diff: (id: string) =>
      serial(async () => {
        await resolve(id);
        const out = await git.buffer(['diff-tree', '-p', '--root', '--no-commit-id', '--no-color', '--no-ext-diff', '-r', id]);
        return out.length > MAX_DIFF_BYTES ? `${out.subarray(0, MAX_DIFF_BYTES).toString('utf8')}\n… (cut at 512 KB)\n` : out.toString('utf8');
      }),
    /**
     * Makes the workspace what checkpoint `id` holds: files it has are written, files it lacks
     * (later turns created them) deleted, excluded files (`.env`, databases, `files/`, …) not
     * touched. The state before is recorded first, so a restore can be undone. Returns the paths
     * that changed.
     */
    restore: (id: string) =>
      serial(async () => {
        const target = await resolve(id);
        const before = await snapshotNow({ kind: 'edits' });
        // The index now holds the workspace, and the newest checkpoint (made just above, or equal to
        // it) its tree; a reset to the target moves index and files together, touching only what differs.
        const current = (await readHead())!.tree;
        const files = (await git(['diff-tree', '-r', '-z', '--name-only', '--no-renames', current, `${target.id}^{tree}`])).split('\0').filter(Boolean);
        indexTree = undefined;
        await git(['read-tree', '--reset', '-u', target.id]);
        const made = await snapshotNow({ kind: 'restore', restoredFrom: target.id });
        return { target, before, restore: made, files };
      }),
    /** What `user:undo` without an id goes back to: the state before the newest turn still in effect. */
    undoTarget: () =>
      serial(async () => {
        const all = (await headCommit()) ? await read(['--first-parent', '--max-count=5000', REF]) : [];
        const byId = new Map(all.map((c, i) => [c.id, i]));
        let i = 0;
        while (i < all.length) {
          const c = all[i]!;
          if (c.kind === 'turn') return c.parentId ?? undefined;
          // A restore put an older state in effect: what came after that state is not in effect.
          if (c.kind === 'restore' && c.restoredFrom && byId.has(c.restoredFrom)) i = Math.max(i + 1, byId.get(c.restoredFrom)!);
          else i++;
        }
        return undefined;
      }),
    /** Resolves when every queued operation has ended (tests, shutdown). */
    idle: () => serial(async () => undefined),
  };
}
export type CheckpointStore = ReturnType<typeof createCheckpointStore>;
