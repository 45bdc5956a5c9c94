import { CONTEXT_BEGIN, CONTEXT_END, sanitizePassageText } from './context-markers.js';
import type { RagPassage } from './types.js';

export interface BuildContextOptions {
	/** Most tokens the whole context block (delimiters included) may take. */
	budgetTokens: number;
	estimateTokens: (text: string) => number;
	/** A passage is only truncated to fit if at least this many tokens of it remain; otherwise it is dropped. Default: 32. */
	minPassageTokens?: number;
}

/** A passage as placed in the context. */
export interface UsedPassage extends RagPassage {
	/** Its `[n]` number in the context. */
	n: number;
	/** The text actually given to the model (sanitised, possibly truncated). */
	passage: string;
	truncated: boolean;
}

export interface BuiltContext {
	/** The context block, or '' when no passage fits. */
	text: string;
	used: UsedPassage[];
	/** Passages left out: duplicates, empty ones, and those that did not fit. */
	dropped: RagPassage[];
	/** Estimated tokens of `text`. */
	tokens: number;
}

/**
 * Lays passages out as `[1]`..`[n]` between `CONTEXT_BEGIN` and `CONTEXT_END`, in the order
 * given (retrieval rank), until the token budget is spent. The first passage that does not fit
 * whole is truncated at a word boundary if a useful part fits; later passages that still fit
 * whole are kept. Passage text and titles are sanitised so they cannot forge the delimiters or
 * passage numbers.
 */
export function buildContext(passages: readonly RagPassage[], options: BuildContextOptions): BuiltContext {
	const estimate = options.estimateTokens;
	const minPassage = options.minPassageTokens ?? 32;
	const used: UsedPassage[] = [];
	const dropped: RagPassage[] = [];
	const seen = new Set<string>();
	const frame = estimate(`${CONTEXT_BEGIN}\n${CONTEXT_END}`);
	let remaining = Math.floor(options.budgetTokens) - frame;
	let truncatedOne = false;

	for (const passage of passages) {
		const body = sanitizePassageText(passage.content);
		const key = `${passage.collection}\u0000${passage.item}\u0000${body.toLowerCase().replace(/\s+/g, ' ')}`;
		if (body === '' || seen.has(key) || remaining <= 0) {
			dropped.push(passage);
			continue;
		}
		const header = passageHeader(used.length + 1, passage);
		const cost = estimate(`${header}\n${body}\n\n`);
		if (cost <= remaining) {
			seen.add(key);
			used.push({ ...passage, n: used.length + 1, passage: body, truncated: false });
			remaining -= cost;
			continue;
		}
		const cut = truncatedOne ? null : truncateToFit(header, body, remaining, estimate);
		if (cut !== null && estimate(cut) >= minPassage) {
			seen.add(key);
			truncatedOne = true;
			used.push({ ...passage, n: used.length + 1, passage: cut, truncated: true });
			remaining -= estimate(`${header}\n${cut}\n\n`);
			continue;
		}
		dropped.push(passage);
	}

	// Token estimates are not exactly additive; make sure the assembled block really fits.
	let text = render(used);
	while (used.length > 0 && estimate(text) > options.budgetTokens) {
		const last = used.pop();
		if (last) dropped.push(last);
		text = render(used);
	}
	return { text, used, dropped, tokens: text === '' ? 0 : estimate(text) };
}

function passageHeader(n: number, passage: RagPassage): string {
	const title = sanitizePassageText(passage.title).replace(/\s+/g, ' ').slice(0, 200);
	return `[${n}] "${title}" (${passage.collection}/${passage.item})`;
}

function render(used: readonly UsedPassage[]): string {
	if (used.length === 0) return '';
	const blocks = used.map((p) => `${passageHeader(p.n, p)}\n${p.passage}`);
	return `${CONTEXT_BEGIN}\n${blocks.join('\n\n')}\n${CONTEXT_END}`;
}

/** Longest prefix of `body` (cut at a word boundary, with an ellipsis) whose block fits `budget`. */
function truncateToFit(header: string, body: string, budget: number, estimate: (text: string) => number): string | null {
	let lo = 0;
	let hi = body.length;
	while (lo < hi) {
		const mid = Math.ceil((lo + hi) / 2);
		if (estimate(`${header}\n${body.slice(0, mid)}…\n\n`) <= budget) lo = mid;
		else hi = mid - 1;
	}
	if (lo === 0) return null;
	let prefix = body.slice(0, lo);
	const space = prefix.search(/\s\S*$/);
	if (space > lo * 0.8) prefix = prefix.slice(0, space);
	prefix = prefix.trimEnd();
	return prefix === '' ? null : `${prefix}…`;
}
