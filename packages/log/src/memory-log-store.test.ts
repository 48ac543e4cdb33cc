import { createMemoryLogStore } from '@syncropel/log';
import { describeLogStoreContract } from '../test/log-store.contract.js';

describeLogStoreContract('memory', createMemoryLogStore);
