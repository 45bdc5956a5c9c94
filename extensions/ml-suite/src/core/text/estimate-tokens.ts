/**
 * Estimates how many tokens a BPE tokenizer of the GPT family (cl100k / o200k) produces for
 * `text`, without shipping a tokenizer. It walks the text once and counts pieces the way
 * those tokenizers tend to split them:
 *
 * - a run of ASCII letters (with its leading space) is one token per started 5 characters,
 *   so common words are 1 token and long or rare words several;
 * - digits are grouped in threes (cl100k splits numbers into 1–3 digit pieces);
 * - each punctuation or symbol character is a token of its own;
 * - a run of line breaks or of more than one space is one token;
 * - non-ASCII letters in Latin, Cyrillic, Greek and similar scripts count half a token each
 *   (they are usually split into 2-byte pieces); CJK ideographs, kana and hangul one each;
 *   characters outside the BMP (emoji) two each.
 *
 * On English prose it agrees with OpenAI's "about 4 characters per token" rule of thumb and
 * errs high on code and symbols, which is the safe side for input limits. It is an estimate for limits and usage fallbacks,
 * never an exact count.
 */
export function estimateTokens(text: string): number {
	let tokens = 0;
	let i = 0;
	const n = text.length;
	while (i < n) {
		const c = text.charCodeAt(i);
		if (isAsciiLetter(c)) {
			let asciiLen = 0;
			let otherLen = 0;
			while (i < n) {
				const d = text.charCodeAt(i);
				if (isAsciiLetter(d)) asciiLen++;
				else if (d >= 0xc0 && d < 0x2e80 && !isSeparatorOrPunct(d)) otherLen++;
				else break;
				i++;
			}
			tokens += Math.ceil(asciiLen / 5 + otherLen / 2);
		} else if (c >= 0x30 && c <= 0x39) {
			let len = 0;
			while (i < n && isDigit(text.charCodeAt(i))) {
				len++;
				i++;
			}
			tokens += Math.ceil(len / 3);
		} else if (c === 0x20) {
			// A single space belongs to the next word; runs of spaces (indentation) are a token.
			let len = 0;
			while (i < n && text.charCodeAt(i) === 0x20) {
				len++;
				i++;
			}
			if (len > 1) tokens += 1;
		} else if (c === 0x0a || c === 0x0d || c === 0x09) {
			while (i < n && isBreak(text.charCodeAt(i))) i++;
			tokens += 1;
		} else if (c < 0x80) {
			tokens += 1;
			i++;
		} else if (c >= 0xd800 && c <= 0xdbff) {
			tokens += 2;
			i += 2;
		} else if (c >= 0x2e80 || isSeparatorOrPunct(c)) {
			tokens += 1;
			i++;
		} else {
			let len = 0;
			while (i < n) {
				const d = text.charCodeAt(i);
				if ((d >= 0x80 && d < 0x2e80 && !isSeparatorOrPunct(d)) || isAsciiLetter(d)) len++;
				else break;
				i++;
			}
			tokens += Math.ceil(len / 2);
		}
	}
	return tokens;
}

function isAsciiLetter(c: number): boolean {
	return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isDigit(c: number): boolean {
	return c >= 0x30 && c <= 0x39;
}

function isBreak(c: number): boolean {
	return c === 0x0a || c === 0x0d || c === 0x09 || c === 0x20;
}

/** No-break space, Latin-1 symbols and the General Punctuation block. */
function isSeparatorOrPunct(c: number): boolean {
	return (c >= 0x80 && c <= 0xbf) || c === 0xd7 || c === 0xf7 || (c >= 0x2000 && c <= 0x206f);
}
