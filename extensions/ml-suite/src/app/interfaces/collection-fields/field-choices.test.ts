import { describe, expect, it } from 'vitest';
import { fieldChoices, toList } from './field-choices.js';

describe('fieldChoices', () => {
	const fields = [
		{ field: 'id', type: 'integer', schema: { is_primary_key: true } },
		{ field: 'title', name: 'Title', type: 'string' },
		{ field: 'body', type: 'text' },
		{ field: 'comments', type: 'alias', meta: { special: ['o2m'] } },
		{ field: 'divider', type: 'alias', meta: { special: ['alias', 'no-data'] } },
		{ field: 'views', type: 'integer' },
	];

	it('offers fields that hold data, named for people with the key alongside', () => {
		expect(fieldChoices(fields).map((c) => c.value)).toEqual(['id', 'title', 'body', 'views']);
		expect(fieldChoices(fields).find((c) => c.value === 'title')?.text).toBe('Title (title)');
	});

	it('offers only text fields for content', () => {
		expect(fieldChoices(fields, { textOnly: true }).map((c) => c.value)).toEqual(['title', 'body']);
	});

	it('reads csv strings and arrays alike', () => {
		expect(toList('title, body')).toEqual(['title', 'body']);
		expect(toList(['a'])).toEqual(['a']);
		expect(toList(null)).toEqual([]);
	});
});
