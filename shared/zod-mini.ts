/**
 * The zod every schema in Vigil uses: `zod/mini`, with English messages. Classic `zod` put about
 * 92 KB (minified) into every Lambda bundle; zod/mini with the locale is about 31 KB, and loading
 * the configuration and CloudTrail schemas drops from about 20 ms to 7 ms.
 * Classic zod installs the English locale on its own; zod/mini does not, and without it every
 * issue reads "Invalid input", which would make configuration errors and skip reasons useless.
 * Import it as `import * as z from '../zod-mini.ts'`, not 'zod/mini', so that no schema runs
 * without the locale. (Re-exporting zod's `z` namespace object instead would defeat tree-shaking:
 * esbuild then keeps every export, all locales included, about 430 KB.)
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

config(en());

export * from 'zod/mini';
