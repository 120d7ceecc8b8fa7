// One command for every benchmark: `npm run bench` (all) or `npm run bench -- relay` (names
// containing "relay"). Each `bench/*.bench.ts` default-exports a function returning a section of
// markdown; the sections are printed and written into bench/RESULTS.md between markers, so a
// partial run replaces only its own sections and keeps the others' last figures.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BenchSection {
  /** Heading of the section in RESULTS.md. */
  title: string;
  /** Markdown: a table of figures and a line or two on how to read them. */
  body: string;
}
export type Bench = () => Promise<BenchSection>;

const dir = new URL('.', import.meta.url).pathname;
const resultsPath = join(dir, 'RESULTS.md');
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
let results = '';
try {
  results = readFileSync(resultsPath, 'utf8');
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
}
if (!results.includes('# Benchmark results')) {
  results = '# Benchmark results\n\nWritten by `npm run bench` (all) or `npm run bench -- NAME`. Each section says when and where it ran.\n';
}

for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, '');
  process.stderr.write(`running ${name}…\n`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: Bench };
  const section = await mod.default();
  const text = `## ${section.title}\n\nRun ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}; \`npm run bench -- ${name}\`.\n\n${section.body.trim()}\n`;
  console.log(`\n${text}`);
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n${text}${end}`;
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  results = re.test(results) ? results.replace(re, block) : `${results.trimEnd()}\n\n${block}\n`;
  writeFileSync(resultsPath, results);
}
