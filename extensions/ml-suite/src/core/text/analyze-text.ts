import { stemmer } from 'stemmer';
import { ENGLISH_STOP_WORDS } from './stop-words.js';
import { tokenize } from './tokenize.js';

/** Languages the full-text analyzer stems. Others are case- and accent-folded only. */
export type TextLanguage = 'english' | 'simple';

/** Longest token kept (longer runs are identifiers, hashes or base64 and never useful as terms). */
const MAX_TOKEN = 64;

/**
 * Porter stems of tokens seen, so each distinct word is stemmed once: stemming was about three
 * quarters of analysing a text (SciFact, 470k terms: 330 ms analysed, 77 ms tokenized), and a
 * corpus repeats few distinct words. Emptied when it reaches STEMS_KEPT words (≈ a few MB), so a
 * long-running process's memory stays bounded whatever it indexes.
 */
export const STEMS_KEPT = 50_000;
const stems = new Map<string, string>();

/** The Porter stem of `token`, from the memo when it was stemmed before. */
export function stem(token: string): string {
	let stemmed = stems.get(token);
	if (stemmed === undefined) {
		if (stems.size >= STEMS_KEPT) stems.clear();
		stemmed = stemmer(token);
		stems.set(token, stemmed);
	}
	return stemmed;
}

/** How many stems are memoised (for tests). */
export function memoisedStems(): number {
	return stems.size;
}

/**
 * The one analyzer behind keyword search: the suite's tokenizer (accents folded, spaceless
 * scripts kept as runs, words ended at combining marks), stop words dropped, Porter-stemmed for English.
 * SQLite stores its output in the FTS5 index and scores restricted callers with it, so both
 * always see the same terms.
 */
export function analyzeText(text: string, language: TextLanguage = 'english'): string[] {
	// The terms are stored in SQLite's index: spaceless scripts stay whole runs and words end at
	// combining marks, as when existing indexes were built (a different stream needs a reindex).
	const tokens = tokenize(text, { folding: 'accents', spaceless: 'runs', splitAtMarks: true, maxLength: MAX_TOKEN });
	if (language !== 'english') return tokens;
	const out: string[] = [];
	for (const token of tokens) if (!ENGLISH_STOP_WORDS.has(token)) out.push(stem(token));
	return out;
}

/** Distinct analyzed terms of a query, in order of first appearance (at most `max`). */
export function analyzeQuery(query: string, language: TextLanguage = 'english', max = 32): string[] {
	return [...new Set(analyzeText(query, language))].slice(0, max);
}
