import { chunkText } from '../text/chunk-text.js';
import { queryTerms, tokenize } from '../text/tokenize.js';

/** A stretch of text with its time range in seconds (a transcript segment, a subtitle cue). */
export interface TimedSegment {
	start: number;
	end: number;
	text: string;
}

/** A chunk cut from timed segments: its text and the time range it covers. */
export interface TimedChunk {
	content: string;
	start: number;
	end: number;
	/** The segments (or, for an over-long segment, the part of it) the chunk was built from. */
	segments: TimedSegment[];
}

/**
 * The timed segments a field holds (a JSON array, or its string form, of objects with numeric
 * `start`/`end` and string `text`), or null when the value is anything else: such a field is
 * chunked as plain text.
 */
export function timedSegmentsOf(value: unknown): TimedSegment[] | null {
	let list = value;
	if (typeof list === 'string') {
		const trimmed = list.trim();
		if (!trimmed.startsWith('[')) return null;
		try {
			list = JSON.parse(trimmed) as unknown;
		} catch {
			return null;
		}
	}
	if (!Array.isArray(list) || list.length === 0) return null;
	const out: TimedSegment[] = [];
	for (const entry of list) {
		if (!entry || typeof entry !== 'object') return null;
		const { start, end, text } = entry as Record<string, unknown>;
		if (typeof start !== 'number' || typeof end !== 'number' || typeof text !== 'string' || !Number.isFinite(start) || !Number.isFinite(end)) return null;
		out.push({ start, end: Math.max(start, end), text: text.replace(/\s+/g, ' ').trim() });
	}
	return out;
}

/**
 * Groups consecutive segments into chunks of at most `size` characters, never cutting inside a
 * segment unless the segment alone is longer than `size` (its parts keep the segment's time
 * range). No overlap: segments are natural boundaries, and a phrase is found in the chunk that
 * holds its segment. Empty segments are skipped.
 */
export function chunkTimedSegments(segments: readonly TimedSegment[], size: number): TimedChunk[] {
	const chunks: TimedChunk[] = [];
	let current: TimedSegment[] = [];
	let length = 0;
	const flush = (): void => {
		if (current.length === 0) return;
		chunks.push({ content: current.map((s) => s.text).join(' '), start: current[0]!.start, end: Math.max(...current.map((s) => s.end)), segments: current });
		current = [];
		length = 0;
	};
	for (const segment of segments) {
		if (!segment.text) continue;
		if (segment.text.length > size) {
			flush();
			for (const part of chunkText(segment.text, { size })) chunks.push({ content: part.content, start: segment.start, end: segment.end, segments: [{ ...segment, text: part.content }] });
			continue;
		}
		const added = (current.length > 0 ? 1 : 0) + segment.text.length;
		if (length + added > size) flush();
		current.push(segment);
		length += (current.length > 1 ? 1 : 0) + segment.text.length;
	}
	flush();
	return chunks;
}

/** The whole text of timed segments, as it is indexed for item-level keyword ranking. */
export function timedText(segments: readonly TimedSegment[]): string {
	return segments
		.map((s) => s.text)
		.filter((t) => t.length > 0)
		.join(' ');
}

/**
 * The segment of a chunk a query points at: the one holding most of the query's terms (the
 * first on ties, and the chunk's first segment when no term occurs), so a hit opens the media
 * where the words were said rather than where its chunk begins.
 */
export function bestSegment(chunk: TimedChunk, query: string): TimedSegment {
	const terms = queryTerms(query);
	let best = chunk.segments[0]!;
	let bestScore = 0;
	for (const segment of chunk.segments) {
		const words = new Set(tokenize(segment.text));
		const score = terms.reduce((sum, term) => sum + (words.has(term) ? 1 : 0), 0);
		if (score > bestScore) {
			bestScore = score;
			best = segment;
		}
	}
	return best;
}
