import { createMemoryLogStore } from '@syncropel/log';
import { describeLogStoreContract } from '@syncropel/log/contract';

describeLogStoreContract('memory', { make: async () => createMemoryLogStore() });
