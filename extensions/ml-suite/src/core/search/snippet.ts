import { htmlToText } from '../text/html-to-text.js';
import { splitSentences } from '../text/sentences.js';
import { queryTerms } from '../text/tokenize.js';

/**
 * Best passage of up to `maxLength` characters from `text` for a query (sentence with most query
 * terms). `plain`: the text is already plain (a stored chunk, cut from `htmlToText` output), so
 * it is not converted again.
 */
export function bestSnippet(text: string, query: string, maxLength = 320, options: { plain?: boolean } = {}): string {
	const plain = (options.plain ? text : htmlToText(text)).replace(/\s+/g, ' ').trim();
	if (plain.length <= maxLength) return plain;
	const terms = queryTerms(query);
	const sentences = splitSentences(plain);
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
