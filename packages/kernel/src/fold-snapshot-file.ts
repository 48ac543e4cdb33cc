import { createHash, createHmac } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import type { FoldSnapshot, FoldSnapshotStore } from './fold-snapshot.js';

/**
 * Fold snapshots in one file (e.g. `hub.db.folds` beside the log): a first line with the hash of
 * the rest, then the snapshot as JSON. With a `key` (the daemon passes its token key) the hash is
 * an HMAC, so live state cannot be edited in without the key; without one, a sha256 that still
 * catches a torn file. Written to a temp file, fsynced and renamed, so a crash leaves the old
 * snapshot or the new one; a file whose hash does not match reads as none. Mode 0600: it holds
 * what the log holds, token hashes included.
 */
export function fileFoldSnapshots(path: string, options: { readonly key?: Uint8Array } = {}): FoldSnapshotStore {
  const digest = (body: string) => (options.key ? createHmac('sha256', options.key) : createHash('sha256')).update(body).digest('hex');
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
      if (newline !== 64 || digest(body) !== text.slice(0, 64)) return undefined;
      try {
        return JSON.parse(body) as FoldSnapshot;
      } catch {
        return undefined;
      }
    },
    async write(snapshot) {
      const body = JSON.stringify(snapshot);
      // One name (one writer per log): a temp left by a crash is simply written over next time.
      const temp = `${path}.tmp`;
      const fd = openSync(temp, 'w', 0o600);
      try {
        fchmodSync(fd, 0o600); // an existing temp keeps its old mode otherwise
        writeSync(fd, `${digest(body)}\n`);
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
