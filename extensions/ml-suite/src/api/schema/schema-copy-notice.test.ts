import { describe, expect, it } from 'vitest';
import { noticeSchemaCopiedPerRequest } from './schema-copy-notice.js';

describe('noticeSchemaCopiedPerRequest', () => {
	const logger = () => {
		const lines: string[] = [];
		return { lines, warn: (message: string) => void lines.push(message) };
	};

	it('warns once, naming the setting, when Directus copies its schema per request', () => {
		for (const env of [{}, { CACHE_SCHEMA_FREEZE_ENABLED: false }]) {
			const log = logger();
			expect(noticeSchemaCopiedPerRequest(env, log)).toBe(true);
			expect(log.lines).toHaveLength(1);
			expect(log.lines[0]).toContain('CACHE_SCHEMA_FREEZE_ENABLED=true');
		}
	});

	it('says nothing when the schema is frozen', () => {
		const log = logger();
		expect(noticeSchemaCopiedPerRequest({ CACHE_SCHEMA_FREEZE_ENABLED: true }, log)).toBe(false);
		expect(log.lines).toEqual([]);
	});
});
