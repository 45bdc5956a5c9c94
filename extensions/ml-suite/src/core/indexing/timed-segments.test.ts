import { describe, expect, it } from 'vitest';
import { bestSegment, chunkTimedSegments, timedSegmentsOf } from './timed-segments.js';

const segments = [
	{ start: 0.5, end: 2, text: 'The lighthouse keeper counted seagulls.' },
	{ start: 3.2, end: 5.1, text: 'Purple elephants dance at midnight.' },
	{ start: 6, end: 7.5, text: 'The bakery sells cinnamon bread.' },
];

describe('timed segments', () => {
	it('recognises timed segments (array or JSON text) and nothing else', () => {
		expect(timedSegmentsOf(segments)).toEqual(segments);
		expect(timedSegmentsOf(JSON.stringify(segments))).toEqual(segments);
		expect(timedSegmentsOf([{ start: 1, end: 2, text: '  two\n words ' }])).toEqual([{ start: 1, end: 2, text: 'two words' }]);
		for (const other of ['plain text', '[not json', [], [{ start: '1', end: 2, text: 'x' }], [{ start: 1, end: 2 }], { start: 1, end: 2, text: 'x' }, null, 42]) expect(timedSegmentsOf(other)).toBeNull();
	});

	it('groups whole segments up to the chunk size, each chunk with the time range it covers', () => {
		const two = chunkTimedSegments(segments, 80);
		expect(two.map((c) => [c.content, c.start, c.end])).toEqual([
			['The lighthouse keeper counted seagulls. Purple elephants dance at midnight.', 0.5, 5.1],
			['The bakery sells cinnamon bread.', 6, 7.5],
		]);
		expect(chunkTimedSegments(segments, 1000)).toHaveLength(1);
		// A segment longer than the size is cut; every part keeps the segment's range.
		const cut = chunkTimedSegments([{ start: 4, end: 9, text: 'word '.repeat(40).trim() }], 50);
		expect(cut.length).toBeGreaterThan(3);
		for (const c of cut) expect([c.start, c.end, c.content.length <= 50]).toEqual([4, 9, true]);
		expect(chunkTimedSegments([{ start: 0, end: 1, text: '' }], 50)).toEqual([]);
	});

	it("points a hit at the chunk's segment holding most of the query's words", () => {
		const [chunk] = chunkTimedSegments(segments, 1000);
		expect(bestSegment(chunk!, 'where do the purple elephants dance?').start).toBe(3.2);
		expect(bestSegment(chunk!, 'cinnamon').start).toBe(6);
		expect(bestSegment(chunk!, 'nothing matches here').start).toBe(0.5);
	});
});
