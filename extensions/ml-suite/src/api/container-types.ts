import type { ExtensionsServices, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import type { ConfigIssue, MlConfig } from '../core/config.js';

/** Logger shape shared by Directus (pino) and the standalone worker. */
export interface Logger {
	info(obj: unknown, msg?: string): void;
	warn(obj: unknown, msg?: string): void;
	error(obj: unknown, msg?: string): void;
	debug(obj: unknown, msg?: string): void;
}

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
