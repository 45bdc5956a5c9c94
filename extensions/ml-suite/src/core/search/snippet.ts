import { htmlToText } from '../text/html-to-text.js';
import { ENGLISH_STOP_WORDS } from '../text/analyze-text.js';

/** Best passage of up to `maxLength` characters from `text` for a query (sentence with most query terms). */
export function bestSnippet(text: string, query: string, maxLength = 320): string {
	const plain = htmlToText(text).replace(/\s+/g, ' ').trim();
	if (plain.length <= maxLength) return plain;
	const terms = [...new Set(query.toLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}]+/u))].filter((t) => t.length > 1 && !ENGLISH_STOP_WORDS.has(t));
	const sentences = plain.split(/(?<=[.!?])\s+/);
	let best = 0;
	let bestScore = -1;
	sentences.forEach((sentence, i) => {
		const lower = sentence.toLowerCase();
		const score = terms.reduce((sum, term) => sum + (lower.includes(term) ? 1 : 0), 0);
		if (score > bestScore) {
			bestScore = score;
			best = i;
		}
	});
	let snippet = '';
	for (let i = best; i < sentences.length && snippet.length < maxLength; i++) snippet += (snippet ? ' ' : '') + sentences[i];
	return snippet.length > maxLength ? `${snippet.slice(0, maxLength - 1).trimEnd()}…` : snippet;
}
