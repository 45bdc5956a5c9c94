import { describe, expect, it } from 'vitest';
import { USAGE_SOURCE_TYPES, usageSource } from './usage-source.js';

describe('usageSource', () => {
	it('names every source with its type as prefix', () => {
		const all = [usageSource.route('post', '/search'), usageSource.flow('ml-ask'), usageSource.job('reindex'), usageSource.hook('items.update'), usageSource.cli('ml:reindex')];
		expect(all.map((s) => s.source)).toEqual(['route:POST /ml/search', 'flow:ml-ask', 'job:reindex', 'hook:items.update', 'cli:ml:reindex']);
		for (const s of all) {
			expect(USAGE_SOURCE_TYPES).toContain(s.sourceType);
			expect(s.source.startsWith(`${s.sourceType}:`)).toBe(true);
		}
	});
});
