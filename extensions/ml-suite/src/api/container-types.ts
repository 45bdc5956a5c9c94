import type { Accountability, SchemaOverview } from '@directus/types';
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
	// Directus's service classes; typed loosely because @directus/types declares them as constructors.
	services: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
	getSchema: (options?: { database?: Knex; bypassCache?: boolean }) => Promise<SchemaOverview>;
}

/** A passage retrieved for a caller, already permission-checked and redacted to readable fields. */
export interface RetrievedPassage {
	/** Index (ml_indexes.name) it came from. */
	index: string;
	collection: string;
	item: string;
	/** Item title rendered from the collection's display template (or primary key). */
	title: string;
	chunkIndex: number;
	/** Passage text, only from fields the caller can read. */
	content: string;
	/** Cosine similarity or fused score (higher is better). */
	score: number;
	/** Deep link into the admin app: `/admin/content/<collection>/<item>`. */
	link: string;
}

export interface RetrieveOptions {
	query: string;
	/** Index names; all indexes the caller can use when omitted. */
	indexes?: string[];
	mode?: 'semantic' | 'hybrid';
	limit?: number;
	/** Directus filter applied to the items. */
	filter?: Record<string, unknown>;
	accountability: Accountability;
	schema?: SchemaOverview;
	signal?: AbortSignal;
}

/** Permission-aware retrieval (semantic or hybrid search), implemented by the search service. */
export type Retriever = (options: RetrieveOptions) => Promise<RetrievedPassage[]>;

export interface BaseContainer {
	config: MlConfig;
	configIssues: ConfigIssue[];
	host: HostContext;
}
