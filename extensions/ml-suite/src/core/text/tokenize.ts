import { ENGLISH_STOP_WORDS } from './stop-words.js';

/**
 * How text is folded before it is split:
 * - `case`: NFKC, lower case. Accents are kept ("résumé" ≠ "resume").
 * - `accents`: NFKD with combining accents (U+0300–U+036F) removed, lower case, so "Café" and
 *   "cafe" meet. The full-text analyzer and the local embedder fold this way.
 */
export type Folding = 'case' | 'accents';

export interface TokenizeOptions {
	/** Default: `case`. */
	folding?: Folding;
	/**
	 * Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) as a run of
	 * letters: `words` splits such runs into words with `Intl.Segmenter`, `runs` keeps each run
	 * as one token (what the full-text engines index: their tokenizers do not segment these
	 * scripts either, so query and index agree). Default: `words`.
	 */
	spaceless?: 'words' | 'runs';
	/**
	 * Also end a word at combining marks (`\p{M}`: the vowel signs of Indic scripts, Thai tone
	 * marks), which cuts such words into pieces. The SQLite full-text indexes were built with this
	 * token stream, so their analyzer keeps it until a reindex can be required; nothing else
	 * should set it. Default: false.
	 */
	splitAtMarks?: boolean;
	/** Tokens longer than this are dropped (identifiers, hashes, base64). Default: no limit. */
	maxLength?: number;
}

/** Folds `text` for comparison (see {@link Folding}). */
export function foldText(text: string, folding: Folding = 'case'): string {
	return folding === 'accents' ? text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase() : text.normalize('NFKC').toLowerCase();
}

const NOT_WORD = /[^\p{L}\p{M}\p{N}]+/u;
const NOT_WORD_OR_MARK = /[^\p{L}\p{N}]+/u;
const SPACELESS = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;
const wordSegmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * The suite's tokenizer: folds `text`, splits it on anything that is not a letter, a
 * combining mark or a digit (`\p{L}`, `\p{M}`, `\p{N}`), and splits runs of spaceless scripts into words. Tokens are returned in
 * text order, duplicates included.
 */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
	const maxLength = options.maxLength ?? Number.POSITIVE_INFINITY;
	const segment = (options.spaceless ?? 'words') === 'words';
	const out: string[] = [];
	for (const run of foldText(text, options.folding).split(options.splitAtMarks ? NOT_WORD_OR_MARK : NOT_WORD)) {
		if (run.length === 0) continue;
		if (segment && SPACELESS.test(run)) {
			for (const piece of wordSegmenter.segment(run)) {
				if (piece.isWordLike && piece.segment.length <= maxLength) out.push(piece.segment);
			}
		} else if (run.length <= maxLength) out.push(run);
	}
	return out;
}

/**
 * The distinct terms of a query worth looking for in a text, in order of first appearance:
 * tokens (case-folded) that are not stop words, of two or more characters. A single letter is
 * kept in spaceless scripts, where one character is often a word.
 */
export function queryTerms(query: string, stopWords: ReadonlySet<string> = ENGLISH_STOP_WORDS): string[] {
	return [...new Set(tokenize(query))].filter((t) => (t.length > 1 || SPACELESS.test(t)) && !stopWords.has(t));
}

/**
 * The local embedder's word scan, over text already folded with `accents`: calls `visit` with
 * the start and end offset of each maximal run of word characters. It reads UTF-16 code units
 * in place (no allocation per word) and classifies them with fixed ranges rather than Unicode
 * properties; the words it finds determine local embeddings, so it must not change (stored
 * vectors would stop matching new queries). Returns the number of words.
 */
export function forEachEmbedderWord(folded: string, visit: (start: number, end: number) => void): number {
	const n = folded.length;
	let words = 0;
	let i = 0;
	while (i < n) {
		while (i < n && !isEmbedderWordChar(folded.charCodeAt(i))) i++;
		if (i >= n) break;
		const start = i;
		while (i < n && isEmbedderWordChar(folded.charCodeAt(i))) i++;
		visit(start, i);
		words++;
	}
	return words;
}

/** Letters and digits: ASCII alphanumerics, and any non-ASCII code unit outside the common punctuation and space blocks. */
function isEmbedderWordChar(c: number): boolean {
	if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);
	if (c <= 0xbf) return c === 0xaa || c === 0xb5 || c === 0xba;
	if (c === 0xd7 || c === 0xf7) return false;
	if (c >= 0x2000 && c <= 0x2bff) return false; // punctuation, symbols, arrows, box drawing
	if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
	if (c >= 0xfe30 && c <= 0xfe6f) return false; // CJK compatibility forms, small forms
	if (c >= 0xff00 && c <= 0xff0f) return false; // full-width punctuation
	if (c >= 0xd800 && c <= 0xdfff) return false; // emoji and other astral symbols are separators
	return true;
}
