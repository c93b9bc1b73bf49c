/**
 * `--config FILE`: the same configuration the Lambdas take (`shared/config.ts`), written as JSON
 * or YAML. Every problem names the file, and the field or the line.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, parseConfig, type VigilConfig } from '#shared/config.ts';
import { lineAndColumn, locateJsonError } from './json-error.ts';

/** Read when present and no `--config` is given: the file the deployment reads too. */
export const DEFAULT_CONFIG_FILE = 'vigil.config.json';

export async function loadConfigFile(file: string, cwd: string): Promise<VigilConfig> {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(`cannot read configuration ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let data: unknown;
  if (/\.ya?ml$/i.test(file)) {
    // Loaded only for YAML files: most runs have none, and every module loaded costs memory.
    const { parse: parseYaml } = await import('yaml');
    try {
      data = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    } catch (error) {
      throw new ConfigError(`invalid ${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
  } else {
    try {
      data = JSON.parse(text);
    } catch {
      const located = locateJsonError(text) ?? { offset: 0, message: 'not valid JSON' };
      const { line, column } = lineAndColumn(text, located.offset);
      throw new ConfigError(`invalid ${file}: not valid JSON at line ${line}, column ${column}: ${located.message}`);
    }
  }
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    throw new ConfigError(`invalid ${file}: expected a mapping of settings at the top level`);
  }
  return parseConfig(data ?? {}, file);
}
