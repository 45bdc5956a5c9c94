import type { Knex } from 'knex';
import { afterAll, describe } from 'vitest';
import { createPostgresSchema, type PostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { createModelsTable, usageAnalyticsConformance } from './usage-analytics.conformance.js';
import { createUsageTable } from './usage-table.js';

describe.skipIf(await skipUnless('postgres'))('usage analytics (PostgreSQL)', () => {
	const schemas: PostgresSchema[] = [];
	afterAll(async () => {
		for (const schema of schemas) await schema.drop();
	});
	usageAnalyticsConformance(async (): Promise<Knex> => {
		const schema = await createPostgresSchema('ml_usage_analytics');
		schemas.push(schema);
		await createUsageTable(schema.knex);
		await createModelsTable(schema.knex);
		return schema.knex;
	});
});
