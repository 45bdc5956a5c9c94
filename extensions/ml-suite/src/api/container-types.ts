import type { ExtensionsServices, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import type { ConfigIssue, MlConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';

/** Logger shape shared by Directus (pino) and the standalone worker. */
export type { Logger };

/** What the container needs from Directus (or from the standalone worker's equivalent). */
export interface HostContext {
	env: Record<string, unknown>;
	database: Knex;
	logger: Logger;
	/** Directus's service classes (the extension context's `services`). */
	services: ExtensionsServices;
	getSchema: (options?: { database?: Knex; bypassCache?: boolean }) => Promise<SchemaOverview>;
}

export interface BaseContainer {
	config: MlConfig;
	configIssues: ConfigIssue[];
	host: HostContext;
}
