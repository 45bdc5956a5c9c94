import knexFactory from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { NotConfiguredError } from '../errors.js';
import { createVectorStore, vectorStoreConfigFromMl } from './create-vector-store.js';

describe('createVectorStore', () => {
	const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
	afterAll(() => knex.destroy());
	const host = { knex, databaseIsPostgres: false };

	it('builds the embedded store by default', () => {
		const { config } = parseConfig({});
		expect(createVectorStore(vectorStoreConfigFromMl(config, host)).kind).toBe('embedded');
	});

	it('builds pgvector from a URL, or on the Directus database when it is PostgreSQL', () => {
		const withUrl = parseConfig({ ML_VECTOR_STORE: 'pgvector', ML_PGVECTOR_URL: 'postgres://u@h/db' }).config;
		expect(vectorStoreConfigFromMl(withUrl, host)).toEqual({ kind: 'pgvector', connectionString: 'postgres://u@h/db' });
		const noUrl = parseConfig({ ML_VECTOR_STORE: 'pgvector' }).config;
		expect(vectorStoreConfigFromMl(noUrl, { ...host, databaseIsPostgres: true })).toMatchObject({ kind: 'pgvector', knex });
		expect(() => vectorStoreConfigFromMl(noUrl, host)).toThrow(NotConfiguredError);
		expect(createVectorStore(vectorStoreConfigFromMl(withUrl, host)).kind).toBe('pgvector');
	});

	it('builds qdrant only with a URL and passes the key through', () => {
		expect(() => vectorStoreConfigFromMl(parseConfig({ ML_VECTOR_STORE: 'qdrant' }).config, host)).toThrow(/ML_QDRANT_URL/);
		const config = parseConfig({ ML_VECTOR_STORE: 'qdrant', ML_QDRANT_URL: 'http://qdrant:6333' }).config;
		expect(vectorStoreConfigFromMl(config, { ...host, qdrantApiKey: 'k' })).toEqual({ kind: 'qdrant', url: 'http://qdrant:6333', apiKey: 'k' });
		expect(createVectorStore(vectorStoreConfigFromMl(config, host)).kind).toBe('qdrant');
	});
});
