import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import type { FoldSnapshot, FoldSnapshotStore } from './fold-snapshot.js';

/**
 * Fold snapshots in one file (e.g. `hub.db.folds` beside the log): a first line with the
 * sha256 of the rest, then the snapshot as JSON. Written to a temp file, fsynced and renamed, so
 * a crash leaves the old snapshot or the new one; a file whose hash does not match (a torn or
 * edited file) reads as none. Mode 0600: it holds what the log holds, token hashes included.
 */
export function fileFoldSnapshots(path: string): FoldSnapshotStore {
  return {
    description: path,
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        return undefined;
      }
      const newline = text.indexOf('\n');
      const body = text.slice(newline + 1);
      if (newline !== 64 || createHash('sha256').update(body).digest('hex') !== text.slice(0, 64)) return undefined;
      try {
        return JSON.parse(body) as FoldSnapshot;
      } catch {
        return undefined;
      }
    },
    async write(snapshot) {
      const body = JSON.stringify(snapshot);
      const temp = `${path}.tmp-${process.pid}`;
      const fd = openSync(temp, 'w', 0o600);
      try {
        writeSync(fd, `${createHash('sha256').update(body).digest('hex')}\n`);
        writeSync(fd, body);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        await rename(temp, path);
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
    },
  };
}
