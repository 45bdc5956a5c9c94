import { describe, expect, it } from 'vitest';
import { activeSegment, clock, isVideo } from './transcript-segments.js';

describe('file transcript helpers', () => {
	it('formats segment starts as a clock', () => {
		expect(clock(0)).toBe('0:00');
		expect(clock(65.9)).toBe('1:05');
		expect(clock(3725)).toBe('1:02:05');
	});

	it('finds the segment playing at a time', () => {
		const segments = [
			{ start: 0.5, end: 2, text: 'a' },
			{ start: 2.5, end: 4, text: 'b' },
			{ start: 6, end: 8, text: 'c' },
		];
		expect(activeSegment(segments, 0)).toBe(-1);
		expect(activeSegment(segments, 0.5)).toBe(0);
		expect(activeSegment(segments, 3)).toBe(1);
		expect(activeSegment(segments, 5)).toBe(1);
		expect(activeSegment(segments, 100)).toBe(2);
	});

	it('tells video from audio by MIME type', () => {
		expect(isVideo('video/mp4')).toBe(true);
		expect(isVideo('audio/mpeg')).toBe(false);
		expect(isVideo(null)).toBe(false);
	});
});
