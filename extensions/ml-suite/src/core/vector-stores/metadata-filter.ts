import type { MetadataFilter, MetadataValue } from './types.js';

/**
 * The meaning of a `MetadataFilter`, shared by every store (the SQL and Qdrant translations
 * mirror it, and the conformance suite checks they agree):
 * - a missing key reads as `null`;
 * - equality and one-of compare type and value (`"1"` is not `1`);
 * - `{ ne: v }` keeps records whose value differs from `v`, including those without the key;
 * - range operators only match numbers; a record without a number there does not match;
 * - an empty one-of list matches nothing.
 */
export type ParsedCondition =
	| { op: 'eq'; value: MetadataValue }
	| { op: 'in'; values: MetadataValue[] }
	| { op: 'ne'; value: MetadataValue }
	| { op: 'range'; gt?: number; gte?: number; lt?: number; lte?: number };

export interface ParsedFilterEntry {
	key: string;
	conditions: ParsedCondition[];
}

/** Splits a filter into one list of conditions per key (all must hold). */
export function parseMetadataFilter(filter: MetadataFilter): ParsedFilterEntry[] {
	return Object.entries(filter).map(([key, raw]) => {
		const conditions: ParsedCondition[] = [];
		if (Array.isArray(raw)) conditions.push({ op: 'in', values: raw });
		else if (raw === null || typeof raw !== 'object') conditions.push({ op: 'eq', value: raw });
		else {
			if ('ne' in raw && raw.ne !== undefined) conditions.push({ op: 'ne', value: raw.ne });
			const { gt, gte, lt, lte } = raw;
			if (gt !== undefined || gte !== undefined || lt !== undefined || lte !== undefined) {
				conditions.push({ op: 'range', gt, gte, lt, lte });
			}
		}
		return { key, conditions };
	});
}

/** True when the filter can never match (an empty one-of list), so stores can skip the search. */
export function filterMatchesNothing(entries: readonly ParsedFilterEntry[]): boolean {
	return entries.some((entry) => entry.conditions.some((c) => c.op === 'in' && c.values.length === 0));
}

/** In-process evaluation, used by the embedded store. */
export function compileMetadataFilter(filter: MetadataFilter): (metadata: Readonly<Record<string, MetadataValue>>) => boolean {
	const entries = parseMetadataFilter(filter);
	return (metadata) => {
		for (const { key, conditions } of entries) {
			const value = key in metadata ? (metadata[key] ?? null) : null;
			for (const condition of conditions) {
				if (!conditionHolds(condition, value)) return false;
			}
		}
		return true;
	};
}

function conditionHolds(condition: ParsedCondition, value: MetadataValue): boolean {
	switch (condition.op) {
		case 'eq':
			return value === condition.value;
		case 'in':
			return condition.values.includes(value);
		case 'ne':
			return value !== condition.value;
		case 'range':
			if (typeof value !== 'number') return false;
			if (condition.gt !== undefined && !(value > condition.gt)) return false;
			if (condition.gte !== undefined && !(value >= condition.gte)) return false;
			if (condition.lt !== undefined && !(value < condition.lt)) return false;
			if (condition.lte !== undefined && !(value <= condition.lte)) return false;
			return true;
	}
}
