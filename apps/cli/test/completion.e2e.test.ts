import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { operator, spl, tempHome, type TempHome } from './spl-process.js';

// `spl completion` and the examples at the end of --help, through the real binary.

let homes: TempHome[] = [];
afterEach(() => {
  for (const h of homes) h.remove();
  homes = [];
});
function home(): TempHome {
  const h = tempHome();
  homes.push(h);
  return h;
}

/** What bash completes for `words` (the last one being completed), with the script loaded. */
function complete(script: string, words: string[]): string[] {
  const array = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync('bash', ['-c', `source ${script}\nCOMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _spl_completion; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('spl completion', () => {
  it('prints a bash script that parses and completes commands, subcommands and long options from the command tree', () => {
    const h = home();
    const out = spl(['completion', 'bash'], h.env);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    const script = join(h.dir, 'spl.bash');
    writeFileSync(script, out.stdout);
    const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);

    const top = complete(script, ['spl', '']);
    for (const c of ['init', 'serve', 'status', 'thread', 'debug', 'backup', 'federation', 'token', 'aitl', 'completion', '--version', '--help']) expect(top).toContain(c);
    expect(complete(script, ['spl', 'thread', ''])).toEqual(['list', 'records', 'state', '--help']);
    expect(complete(script, ['spl', 'fed'])).toEqual(['federation']);
    expect(complete(script, ['spl', 'federation', 's'])).toEqual(['show', 'share', 'sync']);
    // Options of the command typed so far, past positionals and other options.
    expect(complete(script, ['spl', 'thread', 'records', 'demo', '--json', '--l'])).toEqual(['--limit']);
    expect(complete(script, ['spl', 'debug', 'replay', 'demo', '--a'])).toEqual(['--after']);
    expect(complete(script, ['spl', 'backup', 'restore', '--y'])).toEqual(['--yes']);
    expect(complete(script, ['spl', 'serve', '--d'])).toEqual(['--daemon', '--durability']);
    expect(complete(script, ['spl', 'completion', ''])).toEqual(['--help']);

    // Loaded the way the README says, it registers for spl.
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    expect(readme).toContain("echo 'source <(spl completion bash)' >> ~/.bashrc");
    const loaded = operator(h, 'source <(spl completion bash)\ncomplete -p spl');
    expect(loaded.stderr).toBe('');
    expect(loaded.stdout).toBe('complete -o default -F _spl_completion spl\n');
  });

  it('prints zsh and fish scripts naming the same tree, and refuses other shells with exit 2', () => {
    const h = home();
    const zsh = spl(['completion', 'zsh'], h.env);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout).toMatch(/^#compdef spl\n/);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain("'spl thread') words='list records state --help' ;;");
    const fish = spl(['completion', 'fish'], h.env);
    expect(fish.code).toBe(0);
    const when = (path: string) => `-n 'test (__spl_command_path) = '\\''${path}'\\'''`;
    expect(fish.stdout).toContain(`complete -c spl ${when('spl thread')} -a 'records' -d 'the records of a thread in log order`);
    expect(fish.stdout).toContain(`complete -c spl ${when('spl backup restore')} -l 'yes' -d`);
    expect(fish.stdout).toContain(`complete -c spl ${when('spl')} -a 'completion'`);
    const bad = spl(['completion', 'tcsh'], h.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('spl: unknown shell "tcsh": use bash, zsh, fish\n');
    expect(bad.stdout).toBe('');
  });
});

describe('--help examples', () => {
  it('end the help of the main commands with two or three example lines', () => {
    const h = home();
    for (const command of ['serve', 'status', 'intend', 'thread', 'backup', 'federation', 'token', 'aitl']) {
      const r = spl([command, '--help'], h.env);
      expect(r.code, command).toBe(0);
      const examples = r.stdout.split('\nExamples:\n')[1] ?? '';
      const lines = examples.split('\n').filter((l) => l.startsWith('  $ '));
      expect(lines.length, command).toBeGreaterThanOrEqual(2);
      expect(lines.length, command).toBeLessThanOrEqual(3);
      for (const line of lines) expect(line, command).toMatch(/^ {2}\$ spl /);
      expect(lines.some((l) => l.startsWith(`  $ spl ${command}`)), command).toBe(true);
    }
    expect(spl(['thread', 'records', '--help'], h.env).stdout).toContain('$ spl thread records demo --limit 50 --after 1200');
  });
});
