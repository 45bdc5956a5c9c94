import type { MlConfig } from '../core/config.js';
import { createVectorStore, vectorStoreConfigFromMl } from '../core/vector-stores/create-vector-store.js';
import type { VectorStore } from '../core/vector-stores/types.js';
import type { HostContext } from './container-types.js';
import type { HealthCheck } from './health-checks.js';

type Kind = 'embedded' | 'pgvector' | 'qdrant';

export interface VectorStores {
	/** The store for an index's `vector_store` setting (`default` = ML_VECTOR_STORE). Built on first use. */
	get(kind: Kind | 'default'): VectorStore;
	healthChecks(): HealthCheck[];
	close(): Promise<void>;
}

/** Builds vector stores from the config, lazily, one instance per kind. */
export function buildVectorStores(config: MlConfig, host: HostContext): VectorStores {
	const built = new Map<Kind, VectorStore>();
	const deps = { logger: host.logger };

	const apiKey = host.env[config.ML_QDRANT_API_KEY_ENV];
	const storeHost = {
		knex: host.database,
		databaseIsPostgres: String(host.database.client.config.client).startsWith('pg'),
		...(typeof apiKey === 'string' && apiKey ? { qdrantApiKey: apiKey } : {}),
	};
	const create = (kind: Kind): VectorStore => createVectorStore(vectorStoreConfigFromMl(config, storeHost, kind), deps);

	const get = (kind: Kind | 'default'): VectorStore => {
		const resolved: Kind = kind === 'default' ? config.ML_VECTOR_STORE : kind;
		let store = built.get(resolved);
		if (!store) {
			store = create(resolved);
			built.set(resolved, store);
		}
		return store;
	};

	return {
		get,
		healthChecks: () => [
			{
				name: 'vectorStore',
				required: true,
				async check() {
					const store = get('default');
					const health = await store.health();
					return { ...health, details: { kind: store.kind } };
				},
			},
		],
		async close() {
			for (const store of built.values()) await store.close().catch(() => undefined);
		},
	};
}
