import type { Command } from 'commander';

/** Adds the flags every client command shares: where the daemon is, which token, JSON output. */
export function clientOptions(command: Command): Command {
  return command
    .option('--url <url>', 'daemon URL (default: $SPL_URL or http://127.0.0.1:9100)')
    .option('--token <bearer>', 'bearer token (default: $SPL_TOKEN or the saved ~/.syncro/token)')
    .option('--json', 'print the result as JSON');
}

/** Prints a value as one line of JSON. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Prints rows as an aligned table with a header; an empty list prints `none`. */
export function printTable(rows: readonly Record<string, unknown>[], columns: readonly string[]): void {
  if (rows.length === 0) {
    process.stdout.write('none\n');
    return;
  }
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] as string).length)));
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i] as number)).join('  ').trimEnd();
  process.stdout.write(`${[line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n')}\n`);
}

function cell(v: unknown): string {
  if (Array.isArray(v)) return v.join(',');
  if (v === null || v === undefined || v === '') return '-';
  return String(v);
}
