const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/**
 * Abbreviations that are followed by a capitalised word inside a sentence ("Dr. Smith",
 * "e.g. The"), where the Unicode sentence rules (UAX #29) would end the sentence. Abbreviations
 * that often end a sentence too ("etc.", "Inc.", "U.S.") or are also words ("No.") are
 * not listed.
 */
const ABBREVIATIONS = new Set(
	'mr mrs ms mx dr prof sr jr st mt rev hon gen col capt lt sgt gov sen pres vs cf e.g i.e viz approx ca fig figs vol vols pp eds dept univ'.split(' '),
);

/** True when a sentence segment ends with a listed abbreviation or a single capital initial ("J."). */
function endsWithAbbreviation(segment: string): boolean {
	const match = /(?:^|[\s(["'“‘])([\p{L}.]+)\.\s*$/u.exec(segment);
	if (!match) return false;
	const word = match[1] as string;
	return ABBREVIATIONS.has(word.toLowerCase()) || /^\p{Lu}$/u.test(word);
}

/**
 * The suite's sentence splitter: Unicode sentence boundaries (`Intl.Segmenter`: `. ! ?` and
 * their CJK forms, decimals such as 3.14 kept whole, closing quotes kept with their sentence),
 * no break after common abbreviations and initials ("Dr.", "e.g.", "J. R. R. Tolkien"), and a
 * line break always ends a sentence (list items, headings). Sentences are trimmed; empty ones
 * are dropped.
 */
export function splitSentences(text: string): string[] {
	const out: string[] = [];
	for (const line of text.split(/\r?\n|\r/)) {
		let pending = '';
		for (const { segment } of sentenceSegmenter.segment(line)) {
			pending += segment;
			if (!endsWithAbbreviation(segment)) {
				const sentence = pending.trim();
				if (sentence) out.push(sentence);
				pending = '';
			}
		}
		const rest = pending.trim();
		if (rest) out.push(rest);
	}
	return out;
}
