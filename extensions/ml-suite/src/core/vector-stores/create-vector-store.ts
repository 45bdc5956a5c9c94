import type { Knex } from 'knex';
import type { MlConfig } from '../config.js';
import { NotConfiguredError } from '../errors.js';
import { EmbeddedVectorStore, type EmbeddedVectorStoreConfig } from './embedded-vector-store.js';
import { PgvectorVectorStore, type PgvectorVectorStoreConfig } from './pgvector-vector-store.js';
import { QdrantVectorStore, type QdrantVectorStoreConfig } from './qdrant-vector-store.js';
import type { VectorStore } from './types.js';
import type { VectorStoreDeps } from './vector-store-deps.js';

/** Which vector store to build, with its settings. */
export type VectorStoreConfig =
	| ({ kind: 'embedded' } & EmbeddedVectorStoreConfig)
	| ({ kind: 'pgvector' } & PgvectorVectorStoreConfig)
	| ({ kind: 'qdrant' } & QdrantVectorStoreConfig);

export function createVectorStore(config: VectorStoreConfig, deps: VectorStoreDeps = {}): VectorStore {
	switch (config.kind) {
		case 'embedded':
			return new EmbeddedVectorStore(config, deps);
		case 'pgvector':
			return new PgvectorVectorStore(config, deps);
		case 'qdrant':
			return new QdrantVectorStore(config, deps);
		default: {
			const unknownKind: never = config;
			throw new NotConfiguredError(`Unknown vector store kind: ${JSON.stringify((unknownKind as { kind?: unknown }).kind)}.`);
		}
	}
}

/** What the composition root knows besides `MlConfig`. */
export interface VectorStoreHost {
	/** The Directus database. */
	knex: Knex;
	/** True when the Directus database is PostgreSQL (pgvector may then reuse it). */
	databaseIsPostgres: boolean;
	/** Value of the env variable named by `ML_QDRANT_API_KEY_ENV`, if set. */
	qdrantApiKey?: string;
}

/**
 * Maps the parsed `ML_*` settings to a `VectorStoreConfig`. Throws NotConfiguredError, saying
 * which variable to set, when the chosen store lacks what it needs.
 */
export function vectorStoreConfigFromMl(config: MlConfig, host: VectorStoreHost, kind: MlConfig['ML_VECTOR_STORE'] = config.ML_VECTOR_STORE): VectorStoreConfig {
	switch (kind) {
		case 'embedded':
			return { kind: 'embedded', knex: host.knex };
		case 'pgvector':
			if (config.ML_PGVECTOR_URL) return { kind: 'pgvector', connectionString: config.ML_PGVECTOR_URL };
			if (host.databaseIsPostgres) return { kind: 'pgvector', knex: host.knex };
			throw new NotConfiguredError('ML_VECTOR_STORE=pgvector needs ML_PGVECTOR_URL (the Directus database is not PostgreSQL).', { variable: 'ML_PGVECTOR_URL' });
		case 'qdrant':
			if (!config.ML_QDRANT_URL) throw new NotConfiguredError('ML_VECTOR_STORE=qdrant needs ML_QDRANT_URL.', { variable: 'ML_QDRANT_URL' });
			return { kind: 'qdrant', url: config.ML_QDRANT_URL, ...(host.qdrantApiKey ? { apiKey: host.qdrantApiKey } : {}) };
		default: {
			const unknownKind: never = kind;
			throw new NotConfiguredError(`Unknown ML_VECTOR_STORE: ${String(unknownKind)}.`);
		}
	}
}
