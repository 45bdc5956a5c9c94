import knexFactory, { type Knex } from 'knex';
import { afterAll, describe } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { createModelsTable, usageAnalyticsConformance } from './usage-analytics.conformance.js';
import { createUsageTable } from './usage-table.js';

describe.skipIf(await skipUnless('postgres'))('usage analytics (PostgreSQL)', () => {
	const schemas: string[] = [];
	afterAll(async () => {
		const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
		for (const schema of schemas) await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
		await admin.destroy();
	});
	usageAnalyticsConformance(async (): Promise<Knex> => {
		const schema = `ml_usage_analytics_${process.pid}_${schemas.length}_${Date.now()}`;
		schemas.push(schema);
		const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
		await admin.raw('CREATE SCHEMA ??', [schema]);
		await admin.destroy();
		const knex = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 2 } });
		await createUsageTable(knex);
		await createModelsTable(knex);
		return knex;
	});
});
