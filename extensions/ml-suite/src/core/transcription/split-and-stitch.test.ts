import { describe, expect, it } from 'vitest';
import { planPieces, segmentsToText, stitchPieces, type PieceTranscript } from './split-and-stitch.js';
import type { TranscriptSegment } from './types.js';

describe('planPieces', () => {
	it('keeps short audio in one piece', () => {
		expect(planPieces(42, { maxPieceSeconds: 600, overlapSeconds: 4 })).toEqual([{ index: 0, start: 0, end: 42, keepFrom: 0, keepUntil: Infinity }]);
	});

	it('cuts long audio into overlapping pieces whose keep ranges tile the whole duration', () => {
		const pieces = planPieces(100, { maxPieceSeconds: 30, overlapSeconds: 4 });
		expect(pieces.map((p) => [p.start, p.end])).toEqual([
			[0, 30],
			[26, 56],
			[52, 82],
			[78, 100],
		]);
		expect(pieces[0]!.keepFrom).toBe(0);
		for (let i = 1; i < pieces.length; i++) {
			expect(pieces[i]!.keepFrom).toBe(pieces[i - 1]!.keepUntil);
			// The seam is in the middle of the overlap.
			expect(pieces[i]!.keepFrom).toBe((pieces[i]!.start + pieces[i - 1]!.end) / 2);
		}
		expect(pieces.at(-1)!.keepUntil).toBe(Infinity);
	});

	it('returns nothing for empty audio', () => {
		expect(planPieces(0, { maxPieceSeconds: 30, overlapSeconds: 4 })).toEqual([]);
	});
});

/** What a model "hears" of a word list in a piece: piece-relative times, words cut at the edges shortened. */
function hear(words: { word: string; start: number; end: number }[], start: number, end: number): TranscriptSegment[] {
	const heard = words.filter((w) => w.end > start && w.start < end).map((w) => ({ word: w.word, start: Math.max(w.start, start) - start, end: Math.min(w.end, end) - start }));
	const segments: TranscriptSegment[] = [];
	for (let i = 0; i < heard.length; i += 3) {
		const group = heard.slice(i, i + 3);
		segments.push({ start: group[0]!.start, end: group.at(-1)!.end, text: group.map((w) => w.word).join(' '), words: group });
	}
	return segments;
}

describe('stitchPieces', () => {
	const words = Array.from({ length: 200 }, (_, i) => ({ word: `w${i}`, start: 0.3 + i * 0.8, end: 0.8 + i * 0.8 }));
	const duration = 0.3 + 200 * 0.8;

	it('puts every word back once, at its source time, whatever the piece length', () => {
		for (const maxPieceSeconds of [10, 13.7, 30, 45]) {
			const pieces = planPieces(duration, { maxPieceSeconds, overlapSeconds: 2 });
			const transcripts: PieceTranscript[] = pieces.map((piece) => ({ piece, segments: hear(words, piece.start, piece.end) }));
			const stitched = stitchPieces(transcripts);
			const out = stitched.flatMap((s) => s.words ?? []);
			expect(out.map((w) => w.word)).toEqual(words.map((w) => w.word));
			out.forEach((w, i) => {
				expect(w.start).toBeCloseTo(words[i]!.start, 3);
				expect(w.end).toBeCloseTo(words[i]!.end, 3);
			});
			expect(segmentsToText(stitched)).toBe(words.map((w) => w.word).join(' '));
		}
	});

	it('without word timings, keeps the segment whose middle is on its side of the seam', () => {
		const pieces = planPieces(20, { maxPieceSeconds: 12, overlapSeconds: 3 });
		expect(pieces.map((p) => [p.start, p.end, p.keepUntil])).toEqual([
			[0, 12, 10.5],
			[9, 20, Infinity],
		]);
		const stitched = stitchPieces([
			{ piece: pieces[0]!, segments: [{ start: 0, end: 5, text: 'one' }, { start: 8.5, end: 11, text: 'two' }] },
			// "two" again, cut at the piece's start (9..11 source time), and "three".
			{ piece: pieces[1]!, segments: [{ start: 0, end: 2, text: 'two' }, { start: 4, end: 9, text: 'three' }] },
		]);
		expect(stitched.map((s) => [s.start, s.end, s.text])).toEqual([
			[0, 5, 'one'],
			[8.5, 11, 'two'],
			[13, 18, 'three'],
		]);
	});
});
