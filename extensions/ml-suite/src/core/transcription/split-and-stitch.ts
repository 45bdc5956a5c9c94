import type { TranscriptSegment, TranscriptWord } from './types.js';

/** A piece of the source audio sent to the model on its own. Seconds. */
export interface AudioPiece {
	index: number;
	start: number;
	end: number;
	/** Stitching keeps what this piece heard from `keepFrom` (inclusive) to `keepUntil` (exclusive). */
	keepFrom: number;
	keepUntil: number;
}

export interface PiecePlanOptions {
	/** Longest piece in seconds (bounded further by the upload size). */
	maxPieceSeconds: number;
	/** Seconds neighbouring pieces share, so a word cut at one piece's edge is whole in the other. */
	overlapSeconds: number;
}

/**
 * Cuts `duration` seconds into pieces of at most `maxPieceSeconds` that overlap by
 * `overlapSeconds`. Each piece keeps what it heard up to the middle of the overlap with the
 * next one: every instant belongs to exactly one piece, and no instant is near a kept edge
 * that was cut mid-word (when the overlap is longer than a word).
 */
export function planPieces(duration: number, options: PiecePlanOptions): AudioPiece[] {
	if (!(duration > 0)) return [];
	const overlap = Math.max(0, Math.min(options.overlapSeconds, options.maxPieceSeconds / 4));
	const length = Math.max(1, options.maxPieceSeconds);
	if (duration <= length) return [{ index: 0, start: 0, end: duration, keepFrom: 0, keepUntil: Infinity }];
	const step = length - overlap;
	const pieces: AudioPiece[] = [];
	for (let start = 0, index = 0; ; start += step, index++) {
		const end = Math.min(duration, start + length);
		pieces.push({ index, start, end, keepFrom: 0, keepUntil: Infinity });
		if (end >= duration) break;
	}
	for (let i = 0; i < pieces.length; i++) {
		const piece = pieces[i]!;
		const next = pieces[i + 1];
		piece.keepFrom = i === 0 ? 0 : pieces[i - 1]!.keepUntil;
		piece.keepUntil = next ? (next.start + piece.end) / 2 : Infinity;
	}
	return pieces;
}

/** What the model returned for one piece, its times relative to the piece's start. */
export interface PieceTranscript {
	piece: AudioPiece;
	segments: TranscriptSegment[];
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

/**
 * Shifts each piece's segments to source time and keeps, from each piece, only the words (or,
 * without word timings, the segments) whose midpoint falls in the piece's keep range, so speech
 * in an overlap appears once. A segment that lost words at a seam is rebuilt from the words it kept.
 */
export function stitchPieces(pieces: readonly PieceTranscript[]): TranscriptSegment[] {
	const out: TranscriptSegment[] = [];
	for (const { piece, segments } of pieces) {
		const inRange = (start: number, end: number): boolean => {
			const mid = (start + end) / 2;
			return mid >= piece.keepFrom && mid < piece.keepUntil;
		};
		for (const segment of segments) {
			const start = segment.start + piece.start;
			const end = segment.end + piece.start;
			if (segment.words && segment.words.length > 0) {
				const words: TranscriptWord[] = segment.words
					.map((w) => ({ word: w.word, start: round(w.start + piece.start), end: round(w.end + piece.start) }))
					.filter((w) => inRange(w.start, w.end));
				if (words.length === 0) continue;
				const whole = words.length === segment.words.length;
				out.push({
					start: round(whole ? start : words[0]!.start),
					end: round(whole ? end : words[words.length - 1]!.end),
					text: whole ? segment.text : words.map((w) => w.word).join(' '),
					words,
				});
			} else if (inRange(start, end) && segment.text.length > 0) {
				out.push({ start: round(start), end: round(end), text: segment.text });
			}
		}
	}
	return out.sort((a, b) => a.start - b.start);
}

/** The transcript's text: segment texts joined with single spaces. */
export function segmentsToText(segments: readonly TranscriptSegment[]): string {
	return segments
		.map((s) => s.text.trim())
		.filter(Boolean)
		.join(' ')
		.replace(/\s+/g, ' ');
}
