import { describe, expect, it } from 'vitest';
import { formatValue, parseEdited } from './format-value.js';

describe('suggestion values', () => {
	it('shows lists, numbers and empties readably', () => {
		expect(formatValue(['night trains', 'europe'])).toBe('night trains, europe');
		expect(formatValue([])).toBeNull();
		expect(formatValue('  ')).toBeNull();
		expect(formatValue(3)).toBe('3');
		expect(formatValue({ a: 1 })).toBe('{"a":1}');
	});

	it('keeps the suggestion shape for edited text', () => {
		expect(parseEdited('a, b ,, c', ['x'])).toEqual(['a', 'b', 'c']);
		expect(parseEdited('4', 2)).toBe(4);
		expect(parseEdited('four', 2)).toBe('four');
		expect(parseEdited('A summary.', 'old')).toBe('A summary.');
	});
});
