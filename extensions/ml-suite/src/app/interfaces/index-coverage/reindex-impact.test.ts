import { describe, expect, it } from 'vitest';
import { reindexTriggers } from './reindex-impact.js';

describe('reindexTriggers', () => {
	const saved = { embedding_model: 'a', chunk_size: 1000, content_fields: ['body'], label: 'Articles' };

	it('names the edits that re-embed everything', () => {
		expect(reindexTriggers(saved, { embedding_model: 'b' })).toEqual(['the embedding model']);
		expect(reindexTriggers(saved, { embedding_model: { id: 'b' }, chunk_size: 800 })).toEqual(['the embedding model', 'the chunk size']);
	});

	it('ignores edits that do not, and values that did not really change', () => {
		expect(reindexTriggers(saved, { label: 'News' })).toEqual([]);
		expect(reindexTriggers(saved, { content_fields: 'body', embedding_model: { id: 'a' } })).toEqual([]);
		expect(reindexTriggers(null, { embedding_model: 'b' })).toEqual([]);
	});
});
