import { formatBearer, MAX_SECRET_LENGTH, MIN_SECRET_LENGTH, parseBearer, secretProblem } from '@syncropel/auth';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const SECRET = 'abcdefghijklmnop0123'; // 20 printable characters, no `_`

describe('parseBearer', () => {
  it('splits spl_<env>_<sa>_<secret>', () => {
    expect(parseBearer(`spl_prod_sa-admin_${SECRET}`)).toEqual({ env: 'prod', sa: 'sa-admin', secret: SECRET });
    expect(parseBearer(`spl_dev2_a_${SECRET}`)).toEqual({ env: 'dev2', sa: 'a', secret: SECRET });
  });

  it('keeps every `_` after the sa inside the secret', () => {
    expect(parseBearer('spl_prod_sa-admin_abc_def_ghi_jkl_mnop')).toEqual({ env: 'prod', sa: 'sa-admin', secret: 'abc_def_ghi_jkl_mnop' });
    expect(parseBearer('spl_prod_sa_________________')).toEqual({ env: 'prod', sa: 'sa', secret: '________________' });
  });

  it('accepts secrets of exactly the minimum and maximum length', () => {
    expect(MIN_SECRET_LENGTH).toBe(16);
    expect(MAX_SECRET_LENGTH).toBe(256);
    expect(parseBearer(`spl_prod_sa_${'x'.repeat(16)}`)?.secret).toBe('x'.repeat(16));
    expect(parseBearer(`spl_prod_sa_${'x'.repeat(256)}`)?.secret).toBe('x'.repeat(256));
  });

  it.each([
    ['wrong prefix (upper case)', `SPL_prod_sa-admin_${SECRET}`],
    ['wrong prefix (mixed case)', `Spl_prod_sa-admin_${SECRET}`],
    ['wrong prefix (other word)', `spk_prod_sa-admin_${SECRET}`],
    ['no prefix', `prod_sa-admin_${SECRET}`],
    ['upper-case env', `spl_PROD_sa-admin_${SECRET}`],
    ['mixed-case env', `spl_Prod_sa-admin_${SECRET}`],
    ['dash in env', `spl_pr-od_sa-admin_${SECRET}`],
    ['upper-case sa', `spl_prod_SA-admin_${SECRET}`],
    ['underscore in sa is read as a short secret', 'spl_prod_sa_admin_short'],
    ['empty env', `spl__sa-admin_${SECRET}`],
    ['empty sa', `spl_prod__${SECRET}`],
    ['empty secret', 'spl_prod_sa-admin_'],
    ['missing secret separator', 'spl_prod_sa-admin'],
    ['empty string', ''],
    ['secret of 15 characters', `spl_prod_sa-admin_${'x'.repeat(15)}`],
    ['secret of 257 characters', `spl_prod_sa-admin_${'x'.repeat(257)}`],
    ['space in secret', `spl_prod_sa-admin_abcdefgh ijklmnop`],
    ['tab in secret', `spl_prod_sa-admin_abcdefgh\tijklmnop`],
    ['newline in secret', `spl_prod_sa-admin_abcdefgh\nijklmnop`],
    ['NUL byte in secret', `spl_prod_sa-admin_abcdefgh\u0000ijklmnop`],
    ['DEL byte in secret', `spl_prod_sa-admin_abcdefgh\u007fijklmnop`],
    ['escape byte in secret', `spl_prod_sa-admin_abcdefgh\u001bijklmnop`],
    ['non-ASCII letter in secret', `spl_prod_sa-admin_abcdefghéijklmnop`],
    ['non-breaking space in secret', `spl_prod_sa-admin_abcdefgh\u00a0ijklmnop`],
    ['emoji in secret', `spl_prod_sa-admin_abcdefgh\u{1f511}ijklmnop`],
    ['leading space', ` spl_prod_sa-admin_${SECRET}`],
    ['trailing space', `spl_prod_sa-admin_${SECRET} `],
    ['trailing newline', `spl_prod_sa-admin_${SECRET}\n`],
    ['trailing CRLF', `spl_prod_sa-admin_${SECRET}\r\n`],
    ['leading tab', `\tspl_prod_sa-admin_${SECRET}`],
    ['space before env', `spl_ prod_sa-admin_${SECRET}`],
    ['space after env', `spl_prod _sa-admin_${SECRET}`],
    ['space before sa', `spl_prod_ sa-admin_${SECRET}`],
    ['space after sa', `spl_prod_sa-admin _${SECRET}`],
    ['env longer than 32', `spl_${'e'.repeat(33)}_sa_${SECRET}`],
    ['sa longer than 64', `spl_prod_${'s'.repeat(65)}_${SECRET}`],
  ])('rejects %s', (_why, token) => {
    expect(parseBearer(token)).toBeUndefined();
  });

  it('round-trips formatBearer for any valid env, sa and printable secret (property)', () => {
    const printable = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
    // Weighted toward `_` so secrets that look like extra separators are common.
    const secretChar = fc.oneof({ arbitrary: printable, weight: 4 }, { arbitrary: fc.constant('_'), weight: 1 });
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9]{1,8}$/),
        fc.stringMatching(/^[a-z0-9-]{1,20}$/),
        fc.string({ unit: secretChar, minLength: 16, maxLength: 64 }),
        (env, sa, secret) => {
          expect(parseBearer(formatBearer(env, sa, secret))).toEqual({ env, sa, secret });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never accepts a valid bearer with whitespace added at either end (property)', () => {
    const ws = fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2028', '\ufeff');
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.stringMatching(/^[!-~]{16,64}$/), ws, (env, sa, secret, w) => {
        const bearer = formatBearer(env, sa, secret);
        expect(parseBearer(bearer)).toBeDefined();
        expect(parseBearer(w + bearer)).toBeUndefined();
        expect(parseBearer(bearer + w)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});

describe('secretProblem', () => {
  it('accepts 16..256 printable ASCII without whitespace', () => {
    expect(secretProblem('!'.repeat(16))).toBeUndefined();
    expect(secretProblem('~'.repeat(256))).toBeUndefined();
    expect(secretProblem('abc_def_ghi_jkl_mnop')).toBeUndefined();
  });

  it.each([
    ['too short', 'hunter2-password'.slice(0, 15)],
    ['much too short', 'pw'],
    ['too long', `${'s3cr3t-'.repeat(40)}`],
    ['has a space', 'correct horse battery staple'],
    ['has a tab', 'correct\thorse\tbattery'],
    ['has a newline', 'correct-horse-battery\n'],
    ['has a control byte', 'correct\u0007horse-battery'],
    ['is non-ASCII', 'corrécthorsebattery'],
  ])('describes a secret that %s without echoing it', (_why, secret) => {
    const problem = secretProblem(secret);
    expect(problem).toBeTypeOf('string');
    expect(problem).not.toContain(secret);
    // Not even a recognisable fragment of it.
    expect(problem).not.toContain(secret.slice(0, 6));
  });

  it('names the length bound it violates', () => {
    expect(secretProblem('x'.repeat(15))).toMatch(/15 characters; at least 16/);
    expect(secretProblem('x'.repeat(257))).toMatch(/257 characters; at most 256/);
  });

  it('never contains the secret for arbitrary input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 8, maxLength: 300 }), (secret) => {
        const problem = secretProblem(secret);
        if (problem !== undefined) expect(problem.includes(secret)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
