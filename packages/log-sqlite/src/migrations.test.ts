import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { expect, it } from 'vitest';
import { migrationMetas } from './migrate-log.js';

// drizzle-kit writes drizzle/; the store runs src/migrations.ts. A schema change whose
// `npm run db:generate` did not re-embed would ship a store that never applies it.
it('the embedded migrations are exactly those in drizzle/ (run `npm run db:generate`)', () => {
  const folder = fileURLToPath(new URL('../drizzle', import.meta.url));
  expect(migrationMetas()).toEqual(readMigrationFiles({ migrationsFolder: folder }));
});
