import { expect, it } from 'vitest';
import { redactUrl } from '@syncropel/log-postgres';

it('drops the password from the userinfo and the query, and shows nothing of a string it cannot parse', () => {
  expect(redactUrl('postgres://spl:s3cret@db.example:5433/spl')).toBe('postgres://spl@db.example:5433/spl');
  expect(redactUrl('postgres://spl@127.0.0.1:5433/spl?password=s3cret&sslmode=require')).toBe('postgres://spl@127.0.0.1:5433/spl?sslmode=require');
  expect(redactUrl('postgresql://spl@127.0.0.1/spl')).toBe('postgresql://spl@127.0.0.1/spl');
  expect(redactUrl('host=db password=s3cret')).not.toContain('s3cret');
});
