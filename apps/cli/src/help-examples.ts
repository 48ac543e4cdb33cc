import type { Command } from 'commander';

/**
 * Example lines shown after `--help` of the main commands, keyed by the command path below `spl`.
 * Each line is a command an operator can type as is (a test checks that every flag in it is one
 * the command declares), optionally followed by `  # what it does`.
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  serve: [
    'spl serve --daemon                      # detach; returns once ready (stop it: spl serve --stop)',
    'spl serve --foreground --insecure-localhost   # laptop only: auth off, 127.0.0.1, to mint the first admin',
    'spl serve --stop --timeout 60           # SIGTERM, wait up to 60 s for in-flight work',
  ],
  status: [
    'spl status                              # without a token: pid, address, ready, uptime',
    'spl status --json | jq .record_count    # with a saved token: the full state',
    'spl status --url http://127.0.0.1:9100 --token "$BEARER"',
  ],
  intend: [
    'spl intend --thread demo --body \'{"goal":"summarise the inbox"}\'',
    'spl intend --new-thread --body \'{"goal":"try something"}\' --json',
  ],
  thread: [
    'spl thread list --status open',
    'spl thread records demo --limit 20      # a name or a th_… id',
    'spl thread state demo',
  ],
  'thread records': ['spl thread records demo --limit 50 --after 1200', 'spl thread records th_0123abcd --json'],
  'debug replay': ['spl debug replay demo --limit 20', 'spl debug replay demo --after 1200 --limit 10   # state still counts the records before'],
  backup: [
    'spl backup create --to /mnt/offsite/syncropel',
    'spl backup verify',
    'spl serve --stop && spl backup restore ~/backups/hub.db.bak --yes && spl serve --daemon',
  ],
  'backup restore': ['spl backup restore                      # the rolling backup', 'spl backup restore ~/backups/hub.db.20250101.bak --yes   # even if it holds fewer records'],
  federation: [
    'spl federation pair https://peer.example.com --wait 2m',
    'spl federation share fed_0123abcd --thread demo',
    'spl federation revoke fed_0123abcd --reason "host retired"',
  ],
  token: [
    'spl token save "$BEARER"                # the CLI sends it from now on',
    'spl token create --sa sa-ci --label "CI emitter"',
    'spl token rotate tok_0123abcd --save',
  ],
  aitl: ['spl aitl list --thread demo', 'spl aitl approve "$(spl aitl list --json | jq -r \'.[0].id\')" --reason "looks right"', 'spl aitl reject "$ID" --reason "wrong target"'],
  completion: ['source <(spl completion bash)            # in ~/.bashrc', 'spl completion fish > ~/.config/fish/completions/spl.fish'],
};

/** Adds each command's examples to the end of its `--help`. */
export function addHelpExamples(program: Command): void {
  for (const [path, lines] of Object.entries(HELP_EXAMPLES)) {
    const command = findCommand(program, path);
    if (!command) throw new Error(`help examples name no command "spl ${path}"`);
    command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
  }
}

/** The command at `path` (names separated by spaces) below `root`, if any. */
export function findCommand(root: Command, path: string): Command | undefined {
  let at: Command | undefined = root;
  for (const name of path.split(' ')) at = at?.commands.find((c) => c.name() === name);
  return at;
}
