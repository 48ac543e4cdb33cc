/** Exit codes: 1 for a failed command, 2 for a usage error. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command failure to report as one line on stderr with a non-zero exit. */
export class CliError extends Error {
  readonly brand = 'syncropel.CliError' as const;
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
    /** Structured detail from the daemon's error envelope (e.g. preflight gaps). */
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** True for a {@link CliError}. */
export function isCliError(e: unknown): e is CliError {
  return typeof e === 'object' && e !== null && (e as { brand?: unknown }).brand === 'syncropel.CliError';
}
