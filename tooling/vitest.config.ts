import { defineProject } from 'vitest/config';

// The tooling project holds repo-level checks (layer rules); they spawn depcruise, hence the timeout.
export default defineProject({ test: { name: 'tooling', include: ['**/*.test.ts'], testTimeout: 60000 } });
