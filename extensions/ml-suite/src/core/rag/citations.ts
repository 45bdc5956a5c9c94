import type { Citation } from '../../shared/rag-types.js';
import type { UsedPassage } from './build-context.js';

/** Longest range expanded from `[a-b]`, so a stray `[1-100000]` cannot blow up. */
const MAX_RANGE = 50;

/**
 * Passage numbers an answer refers to: `[1]`, `[1][2]`, `[1, 3]`, `[2-4]`. Other bracketed
 * text (`[note]`, `[a]`) is ignored.
 */
export function referencedNumbers(text: string): Set<number> {
	const found = new Set<number>();
	for (const match of text.matchAll(/\[\s*(\d+(?:\s*[,;\-–]\s*\d+)*)\s*\]/g)) {
		for (const part of (match[1] ?? '').split(/\s*[,;]\s*/)) {
			const [from, to] = part.split(/\s*[-–]\s*/).map(Number);
			if (from === undefined || !Number.isInteger(from)) continue;
			if (to === undefined) {
				found.add(from);
				continue;
			}
			if (!Number.isInteger(to) || to < from || to - from > MAX_RANGE) continue;
			for (let n = from; n <= to; n++) found.add(n);
		}
	}
	return found;
}

/** Citations for the passages the answer actually refers to, in passage order; unknown numbers are ignored. */
export function citationsFor(used: readonly UsedPassage[], answer: string): Citation[] {
	const referenced = referencedNumbers(answer);
	return used.filter((p) => referenced.has(p.n)).map(toCitation);
}

export function toCitation(p: UsedPassage): Citation {
	return { n: p.n, index: p.index, collection: p.collection, item: p.item, title: p.title, link: p.link, passage: p.passage, score: p.score, ...(p.media ? { media: p.media } : {}) };
}
