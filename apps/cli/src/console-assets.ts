import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Where the web console is served, under the daemon's URL. */
export const CONSOLE_PATH = '/ui/';

/**
 * The web console's built files: the `dist/` folder beside `@syncropel/console`'s package.json, as
 * installed with this CLI. Null when the package is missing or not built; the daemon then serves
 * no `/ui/` and says nothing about it.
 */
export function consoleDirectory(): string | null {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve('@syncropel/console/package.json');
  } catch {
    return null;
  }
  const directory = join(dirname(manifest), 'dist');
  return existsSync(join(directory, 'index.html')) ? directory : null;
}
