import { describe, expect, it } from 'vitest';
import { buildProgram } from './program.js';
import { HELP_EXAMPLES, findCommand } from './help-examples.js';

/** The `spl …` invocations in an example line: split at pipes and &&, comments and quoted words kept whole. */
function invocations(line: string): string[][] {
  const code = line.replace(/\s+#.*$/, '');
  const words = code.match(/"(?:[^"\\]|\\.)*"|'[^']*'|\S+/g) ?? [];
  const runs: string[][] = [];
  let current: string[] = [];
  for (const w of words) {
    if (w === '|' || w === '&&') {
      runs.push(current);
      current = [];
    } else current.push(w);
  }
  runs.push(current);
  return runs.filter((r) => r[0] === 'spl');
}

describe('help examples', () => {
  it('cover the main commands, two or three lines each, every line naming real commands and flags', () => {
    const program = buildProgram();
    for (const main of ['serve', 'status', 'intend', 'thread', 'backup', 'federation', 'token', 'aitl']) {
      expect(HELP_EXAMPLES[main]?.length, main).toBeGreaterThanOrEqual(2);
      expect(HELP_EXAMPLES[main]?.length, main).toBeLessThanOrEqual(3);
    }
    let checked = 0;
    for (const [path, lines] of Object.entries(HELP_EXAMPLES)) {
      for (const line of lines) {
        const runs = invocations(line);
        if (path !== 'completion') expect(runs.length, line).toBeGreaterThan(0);
        for (const words of runs) {
          // The deepest command the leading words name, then every --flag must be one it declares.
          let at = program;
          let i = 1;
          for (; i < words.length; i++) {
            const next = findCommand(at, words[i] as string);
            if (!next) break;
            at = next;
          }
          expect(at, line).not.toBe(program);
          const longs = new Set([...at.options.map((o) => o.long), '--help']);
          for (const flag of words.slice(i).filter((w) => w.startsWith('--'))) expect(longs.has(flag.split('=')[0]), `${flag} in: ${line}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('end each command\'s --help', () => {
    const program = buildProgram();
    for (const path of Object.keys(HELP_EXAMPLES)) {
      const command = findCommand(program, path);
      let out = '';
      command?.configureOutput({ writeOut: (s) => (out += s) });
      command?.outputHelp();
      expect(out, path).toMatch(/\nExamples:\n {2}\$ /);
      for (const line of HELP_EXAMPLES[path] ?? []) expect(out).toContain(`  $ ${line}\n`);
    }
  });
});
