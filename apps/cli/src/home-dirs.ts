import { mkdirSync } from 'node:fs';
import type { SplPaths } from './paths.js';

/**
 * Creates the two folders an instance owns, private to the user: the home (`~/.syncro`) and
 * `~/.syncro-data`. The data folder is made up front, even while it stays empty, because the
 * operator guide archives and deletes both by name and its `tar` fails on a missing one.
 */
export function createHomeDirs(paths: SplPaths): void {
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o700 });
}
