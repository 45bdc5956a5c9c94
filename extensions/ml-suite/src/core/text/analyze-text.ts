import { stemmer } from 'stemmer';

/**
 * English function words. They match almost every document, so the full-text engines would
 * score them near zero anyway; leaving them out of queries keeps the match sets small.
 */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
	'a an and are as at be but by can do does for from had has have he her his how i if in into is it its me my no not of on or our she so such than that the their them then there these they this those to was we were what when where which who whom why will with would you your'.split(' '),
);

/** Languages the full-text analyzer stems. Others are case- and accent-folded only. */
export type TextLanguage = 'english' | 'simple';

/** Longest token kept (longer runs are identifiers, hashes or base64 and never useful as terms). */
const MAX_TOKEN = 64;

/**
 * The one analyzer behind keyword search: NFKD with accents stripped, lower case, split on
 * anything that is not a letter or digit, stop words dropped, Porter-stemmed for English.
 * SQLite stores its output in the FTS5 index and scores restricted callers with it, so both
 * always see the same terms.
 */
export function analyzeText(text: string, language: TextLanguage = 'english'): string[] {
	const folded = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
	const out: string[] = [];
	for (const raw of folded.split(/[^\p{L}\p{N}]+/u)) {
		if (raw.length === 0 || raw.length > MAX_TOKEN) continue;
		if (language === 'english') {
			if (ENGLISH_STOP_WORDS.has(raw)) continue;
			out.push(stemmer(raw));
		} else out.push(raw);
	}
	return out;
}

/** Distinct analyzed terms of a query, in order of first appearance (at most `max`). */
export function analyzeQuery(query: string, language: TextLanguage = 'english', max = 32): string[] {
	return [...new Set(analyzeText(query, language))].slice(0, max);
}
