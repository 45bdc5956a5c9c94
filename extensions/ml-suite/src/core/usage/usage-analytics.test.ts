import knexFactory from 'knex';
import { describe } from 'vitest';
import { createModelsTable, usageAnalyticsConformance } from './usage-analytics.conformance.js';
import { createUsageTable } from './usage-table.js';

describe('usage analytics (sqlite3)', () => {
	usageAnalyticsConformance(async () => {
		const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
		await createUsageTable(knex);
		await createModelsTable(knex);
		return knex;
	});
});
