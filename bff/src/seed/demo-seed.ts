import type { Logger } from '../lib/logger';
import type { Services } from '../services';

// Placeholder replaced below in this commit series: seeds the demo org when the database is empty.
export async function seedDemoIfEmpty(_services: Services, _logger: Logger): Promise<void> {}
