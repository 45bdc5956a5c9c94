import { describe, expect, it } from 'vitest';
import { shortError } from './classifier-versions.js';

describe('shortError (a failed version\'s error)', () => {
	it('keeps short messages and both ends of a long one, where a database error names its cause', () => {
		expect(shortError('Too few examples')).toBe('Too few examples');
		const sql = `update \`ml_model_versions\` set \`artifact\` = '${'x'.repeat(50_000)}' - SQLITE_BUSY: database is locked`;
		const short = shortError(sql);
		expect(short.length).toBeLessThanOrEqual(2000);
		expect(short.startsWith('update `ml_model_versions`')).toBe(true);
		expect(short.endsWith('SQLITE_BUSY: database is locked')).toBe(true);
	});
});
