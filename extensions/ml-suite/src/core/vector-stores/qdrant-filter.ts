import type { Schemas } from '@qdrant/js-client-rest';
import type { ParsedCondition, ParsedFilterEntry } from './metadata-filter.js';
import type { MetadataValue } from './types.js';

type Filter = Schemas['Filter'];
type Condition = Schemas['Condition'];

/** Payload path of a metadata key: metadata lives under `metadata` in each point's payload. */
const path = (key: string): string => `metadata.${key}`;

function equals(key: string, value: MetadataValue): Condition {
	// is_empty also matches a missing key, which is how MetadataFilter reads null.
	if (value === null) return { is_empty: { key: path(key) } };
	// Qdrant matches integers, keywords and booleans exactly, but not floats: use a closed range.
	if (typeof value === 'number' && !Number.isInteger(value)) return { key: path(key), range: { gte: value, lte: value } };
	return { key: path(key), match: { value } };
}

function toCondition(key: string, condition: ParsedCondition): { must?: Condition; mustNot?: Condition } {
	switch (condition.op) {
		case 'eq':
			return { must: equals(key, condition.value) };
		case 'in':
			return { must: { should: condition.values.map((value) => equals(key, value)) } };
		case 'ne':
			return { mustNot: equals(key, condition.value) };
		case 'range':
			return { must: { key: path(key), range: { gt: condition.gt, gte: condition.gte, lt: condition.lt, lte: condition.lte } } };
	}
}

/**
 * Translates a parsed MetadataFilter (plus an item-key restriction) into a Qdrant filter with
 * the semantics of `compileMetadataFilter`: `must` for equality and ranges, a nested `should`
 * for one-of, `must_not` for `ne`. Returns undefined when nothing restricts the search.
 */
export function toQdrantFilter(entries: readonly ParsedFilterEntry[], itemKeys?: readonly string[]): Filter | undefined {
	const must: Condition[] = [];
	const mustNot: Condition[] = [];
	if (itemKeys) must.push({ key: 'item_key', match: { any: [...itemKeys] } });
	for (const { key, conditions } of entries) {
		for (const condition of conditions) {
			const translated = toCondition(key, condition);
			if (translated.must) must.push(translated.must);
			if (translated.mustNot) mustNot.push(translated.mustNot);
		}
	}
	if (must.length === 0 && mustNot.length === 0) return undefined;
	return { ...(must.length > 0 ? { must } : {}), ...(mustNot.length > 0 ? { must_not: mustNot } : {}) };
}
