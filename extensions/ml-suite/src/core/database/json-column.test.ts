import { describe, expect, it } from 'vitest';
import { jsonColumn } from './json-column.js';

describe('jsonColumn', () => {
	it('parses text (SQLite) and passes parsed values through (PostgreSQL)', () => {
		expect(jsonColumn('{"a":[1,2]}', {})).toEqual({ a: [1, 2] });
		expect(jsonColumn({ a: [1, 2] }, {})).toEqual({ a: [1, 2] });
		expect(jsonColumn('[]', ['x'])).toEqual([]);
	});

	it('gives the fallback for empty and unparsable values', () => {
		expect(jsonColumn(null, 'f')).toBe('f');
		expect(jsonColumn(undefined, 'f')).toBe('f');
		expect(jsonColumn('', 'f')).toBe('f');
		expect(jsonColumn('{not json', 'f')).toBe('f');
	});
});
