import { defineProject } from 'vitest/config';

// Packs every package and installs the tarballs into scratch projects outside the workspace
// (npm and pnpm): installing and compiling better-sqlite3 takes minutes, hence the timeouts.
export default defineProject({ test: { name: 'packaging', include: ['*.test.ts'], testTimeout: 120_000, hookTimeout: 900_000 } });
