/**
 * Writes what the deployment and the docs derive from the rule registry:
 * `generated/patterns.json`, `generated/permissions.json`, `generated/remediation.json` and
 * `docs/rules.md`. Run after changing a rule, extractor, reader or remediation:
 *
 *   npm run generate            (writes the files)
 *   npm run check:generated     (writes nothing; exits 1 naming the files that are stale)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expectedFiles } from './deployment-model.ts';

const ROOT = join(import.meta.dirname, '..');

function current(path: string): string | undefined {
  try {
    return readFileSync(join(ROOT, path), 'utf8');
  } catch {
    return undefined;
  }
}

const check = process.argv.includes('--check');
const files = expectedFiles();
const stale = Object.entries(files).filter(([path, content]) => current(path) !== content);

if (check) {
  if (stale.length > 0) {
    console.error(`Stale generated files (run \`npm run generate\` and commit them): ${stale.map(([path]) => path).join(', ')}`);
    process.exitCode = 1;
  } else {
    console.log(`Generated files are up to date: ${Object.keys(files).join(', ')}`);
  }
} else {
  for (const [path, content] of stale) {
    mkdirSync(dirname(join(ROOT, path)), { recursive: true });
    writeFileSync(join(ROOT, path), content);
  }
  console.log(stale.length > 0 ? `Wrote ${stale.map(([path]) => path).join(', ')}` : 'Generated files were already up to date.');
}
