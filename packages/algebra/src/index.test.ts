import { expect, it } from 'vitest';
import * as api from '@syncropel/algebra';

// The public surface is checked by machine, so any API change shows up in review.
it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toEqual([
    'ACTS',
    'DATA_TYPES',
    'MAX_JSON_DEPTH',
    'RESERVED_THREADS',
    'canonicalJson',
    'canonicalRecord',
    'canonicalizeRecord',
    'combineFolds',
    'didKind',
    'err',
    'fold',
    'generateInstanceKeyPair',
    'instanceDid',
    'instancePublicKey',
    'isDid',
    'isReservedThread',
    'isThreadId',
    'jsonTooDeep',
    'newThreadId',
    'ok',
    'publicKeyOf',
    'recordId',
    'runFold',
    'sha256Hex',
    'signDocument',
    'signRecord',
    'signText',
    'threadIdFor',
    'toRecord',
    'validateRecord',
    'verifyDocument',
    'verifyRecordSignature',
    'verifyText',
  ]);
});
