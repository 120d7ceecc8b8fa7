import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PKG_DIR } from './paths.ts';

export const VERSION: string = (JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as { version: string }).version;
