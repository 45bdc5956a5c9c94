import { InvalidPayloadError } from '../errors.js';

export interface ChunkOptions {
	/** Most characters (UTF-16 code units) per chunk. At least 1. */
	size: number;
	/**
	 * Characters the next chunk repeats from the end of the previous one, so a sentence cut at a
	 * boundary still appears whole in one chunk. Clamped to half of `size`: a larger overlap
	 * would make chunking quadratic for no gain. Default: 0.
	 */
	overlap?: number;
}

export interface TextChunk {
	/** 0-based position of the chunk. */
	index: number;
	/** Exactly `text.slice(start, end)`; never empty, never starts or ends with whitespace. */
	content: string;
	/** Offset of the first character in the source text. */
	start: number;
	/** Offset one past the last character in the source text. */
	end: number;
}

/**
 * Splits `text` into chunks of at most `size` characters. A chunk ends, in order of preference,
 * at a paragraph break, a sentence end, a line break or a space, as long as that keeps the
 * chunk at least half full; otherwise (e.g. a long run without spaces) it is cut hard at
 * `size`, never inside a surrogate pair. Each step advances by at least one character, so it
 * terminates on any input; whitespace-only text yields no chunks.
 */
export function chunkText(text: string, options: ChunkOptions): TextChunk[] {
	const size = Math.floor(options.size);
	if (!Number.isFinite(size) || size < 1) {
		throw new InvalidPayloadError(`Chunk size must be a positive integer, got ${String(options.size)}.`, { field: 'size' });
	}
	const requestedOverlap = Math.floor(options.overlap ?? 0);
	const overlap = Number.isFinite(requestedOverlap) ? Math.max(0, Math.min(requestedOverlap, Math.floor(size / 2))) : 0;

	const chunks: TextChunk[] = [];
	const n = text.length;
	let pos = skipSpace(text, 0, n);
	while (pos < n) {
		const hardEnd = pos + size;
		const end = hardEnd >= n ? n : findBreak(text, pos, hardEnd);
		const contentEnd = trimEnd(text, pos, end);
		if (contentEnd > pos) {
			chunks.push({ index: chunks.length, content: text.slice(pos, contentEnd), start: pos, end: contentEnd });
		}
		if (end >= n) break;
		let next = overlap > 0 ? overlapStart(text, end - overlap, end) : end;
		// Progress guarantee: the next chunk must start after this one did.
		if (next <= pos) next = end;
		pos = skipSpace(text, next, n);
	}
	return chunks;
}

const enum BreakKind {
	None = 0,
	Space = 1,
	Line = 2,
	Sentence = 3,
	Paragraph = 4,
}

/** Best cut position in (pos, hardEnd], searching back no further than half the chunk. */
function findBreak(text: string, pos: number, hardEnd: number): number {
	const floor = pos + Math.max(1, Math.floor((hardEnd - pos) / 2));
	let best = BreakKind.None;
	let bestAt = hardEnd;
	// A break "at i" means the chunk ends at i and text[i] is whitespace.
	for (let i = hardEnd; i >= floor; i--) {
		const c = text.charCodeAt(i);
		if (!isSpace(c)) continue;
		let kind = BreakKind.Space;
		if (c === 0x0a) {
			kind = BreakKind.Line;
			let j = i - 1;
			while (j > pos && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09 || text.charCodeAt(j) === 0x0d)) j--;
			if (text.charCodeAt(j) === 0x0a) kind = BreakKind.Paragraph;
		} else if (i > pos && isSentenceEnd(text, i - 1)) {
			kind = BreakKind.Sentence;
		}
		if (kind > best) {
			best = kind;
			bestAt = i;
			if (kind === BreakKind.Paragraph) break;
		}
	}
	if (best !== BreakKind.None) return bestAt;
	// Hard cut: do not split a surrogate pair.
	const c = text.charCodeAt(hardEnd - 1);
	if (c >= 0xd800 && c <= 0xdbff && hardEnd - 1 > pos) return hardEnd - 1;
	return hardEnd;
}

/** True when text[i] ends a sentence: . ! ? … or CJK full stops, optionally followed by closing quotes/brackets. */
function isSentenceEnd(text: string, i: number): boolean {
	let c = text.charCodeAt(i);
	while ((c === 0x22 || c === 0x27 || c === 0x29 || c === 0x5d || c === 0x201d || c === 0x2019) && i > 0) {
		i--;
		c = text.charCodeAt(i);
	}
	return c === 0x2e || c === 0x21 || c === 0x3f || c === 0x2026 || c === 0x3002 || c === 0xff01 || c === 0xff1f;
}

/** Start of the overlap: the first word start at or after `from`, or `from` itself inside a spaceless run. */
function overlapStart(text: string, from: number, end: number): number {
	if (from <= 0) return 0;
	if (isSpace(text.charCodeAt(from - 1))) return from;
	for (let i = from; i < end; i++) {
		if (isSpace(text.charCodeAt(i))) return i + 1;
	}
	const c = text.charCodeAt(from);
	return c >= 0xdc00 && c <= 0xdfff ? from + 1 : from;
}

function skipSpace(text: string, i: number, n: number): number {
	while (i < n && isSpace(text.charCodeAt(i))) i++;
	return i;
}

function trimEnd(text: string, pos: number, end: number): number {
	while (end > pos && isSpace(text.charCodeAt(end - 1))) end--;
	return end;
}

function isSpace(c: number): boolean {
	return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d || c === 0x0c || c === 0x0b || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029;
}
