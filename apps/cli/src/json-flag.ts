import { CliError, EXIT_USAGE } from './cli-error.js';

/** Parses a flag's value as a JSON object, or fails with a usage error naming the flag. */
export function jsonObjectFlag(text: string, flag: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${flag} is not JSON: ${(e as Error).message}`, EXIT_USAGE);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError(`${flag} must be a JSON object`, EXIT_USAGE);
  return value as Record<string, unknown>;
}
