import { describe, expect, it } from 'vitest';
import { excludeInternalTables } from './exclude-internal-tables.js';

describe('excludeInternalTables', () => {
	it('appends to the parsed list Directus keeps, once', () => {
		const env: Record<string, unknown> = { DB_EXCLUDE_TABLES: ['spatial_ref_sys', 'sysdiagrams'] };
		expect(excludeInternalTables(env, ['ml_vectors', 'sysdiagrams'])).toEqual(['ml_vectors']);
		expect(excludeInternalTables(env, ['ml_vectors'])).toEqual([]);
		expect(env.DB_EXCLUDE_TABLES).toEqual(['spatial_ref_sys', 'sysdiagrams', 'ml_vectors']);
	});

	it('accepts a comma-separated string or nothing', () => {
		const env: Record<string, unknown> = { DB_EXCLUDE_TABLES: 'a, b' };
		excludeInternalTables(env, ['c']);
		expect(env.DB_EXCLUDE_TABLES).toEqual(['a', 'b', 'c']);
		const empty: Record<string, unknown> = {};
		excludeInternalTables(empty, ['c']);
		expect(empty.DB_EXCLUDE_TABLES).toEqual(['c']);
	});
});
