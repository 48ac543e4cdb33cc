import type { Command } from 'commander';

/** The shells `spl completion` writes a script for. */
export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** One node of the command tree as completion sees it: its path from `spl`, subcommands and long options. */
export interface CompletionNode {
  /** `spl`, `spl thread`, `spl thread records`, … */
  readonly path: string;
  readonly subcommands: readonly { readonly name: string; readonly description: string }[];
  readonly options: readonly { readonly long: string; readonly description: string }[];
}

/** Walks a commander tree into completion nodes (every command, its subcommands and its long options, `--help` included). */
export function completionTree(root: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const visit = (command: Command, path: string): void => {
    const options = command.options.filter((o) => o.long && !o.hidden).map((o) => ({ long: o.long as string, description: o.description }));
    options.push({ long: '--help', description: 'display help for command' });
    const subcommands = command.commands.map((c) => ({ name: c.name(), description: c.description() }));
    nodes.push({ path, subcommands, options });
    for (const c of command.commands) visit(c, `${path} ${c.name()}`);
  };
  visit(root, root.name());
  return nodes;
}

/**
 * The completion script for `shell`, generated from the command tree so it never lags the CLI.
 * bash: a `complete -F` function that walks COMP_WORDS to the deepest known command and offers its
 * subcommands and long options; zsh: the same function through bashcompinit; fish: one `complete`
 * line per subcommand and option, conditioned on the command path typed so far.
 *
 * @example
 * process.stdout.write(completionScript(buildProgram(), 'bash'));
 */
export function completionScript(root: Command, shell: CompletionShell): string {
  const nodes = completionTree(root);
  if (shell === 'fish') return fishScript(root.name(), nodes);
  const bash = bashScript(root.name(), nodes);
  if (shell === 'bash') return bash;
  return [`#compdef ${root.name()}`, '# zsh: load with  source <(spl completion zsh)  (uses bash completion through bashcompinit)', '(( $+functions[compdef] )) || { autoload -U +X compinit && compinit }', 'autoload -U +X bashcompinit && bashcompinit', bash].join('\n');
}

function bashScript(name: string, nodes: readonly CompletionNode[]): string {
  const fn = `_${name}_completion`;
  const lines = [
    `# bash completion for ${name}; load with  source <(${name} completion bash)`,
    `${fn}() {`,
    '  local cur path word i',
    '  cur="${COMP_WORDS[COMP_CWORD]}"',
    `  path=${shellQuote(name)}`,
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word="${COMP_WORDS[i]}"',
    '    case "$word" in -*) continue ;; esac',
    '    case "$path $word" in',
    ...nodes.filter((n) => n.path !== name).map((n) => `      ${shellQuote(n.path)}) path="$path $word" ;;`),
    '    esac',
    '  done',
    '  local words=""',
    '  case "$path" in',
    ...nodes.map((n) => `    ${shellQuote(n.path)}) words=${shellQuote([...n.subcommands.map((s) => s.name), ...n.options.map((o) => o.long)].join(' '))} ;;`),
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    `complete -o default -F ${fn} ${name}`,
    '',
  ];
  return lines.join('\n');
}

function fishScript(name: string, nodes: readonly CompletionNode[]): string {
  const pathFn = `__${name}_command_path`;
  const knownVar = `__${name}_known_paths`;
  const known = nodes.map((n) => n.path);
  const lines = [
    `# fish completion for ${name}; install with  ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    `function ${pathFn}`,
    '    set -l tokens (commandline -opc)',
    `    set -l path ${name}`,
    '    for t in $tokens[2..-1]',
    '        string match -q -- "-*" $t; and continue',
    `        if contains -- "$path $t" $${knownVar}`,
    '            set path "$path $t"',
    '        end',
    '    end',
    '    echo $path',
    'end',
    `set -g ${knownVar} ${known.map(shellQuote).join(' ')}`,
    `complete -c ${name} -f`,
  ];
  for (const n of nodes) {
    const when = `-n ${shellQuote(`test (${pathFn}) = ${shellQuote(n.path)}`)}`;
    for (const s of n.subcommands) lines.push(`complete -c ${name} ${when} -a ${shellQuote(s.name)} -d ${shellQuote(s.description)}`);
    for (const o of n.options) lines.push(`complete -c ${name} ${when} -l ${shellQuote(o.long.slice(2))} -d ${shellQuote(o.description)}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Single-quotes a word for sh and fish. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
