import type { ParsedCondition, ParsedFilterEntry } from './metadata-filter.js';
import type { MetadataValue } from './types.js';

/** A parameterised SQL fragment (knex `?` placeholders). */
export interface SqlFragment {
	sql: string;
	bindings: unknown[];
}

/**
 * Translates a parsed MetadataFilter into a WHERE fragment on the `metadata` jsonb column, with
 * the same meaning as `compileMetadataFilter` (a missing key reads as JSON null; comparisons are
 * type-strict because they compare jsonb values). Keys and values are always bound, never inlined.
 */
export function metadataFilterToSql(entries: readonly ParsedFilterEntry[]): SqlFragment {
	const parts: string[] = [];
	const bindings: unknown[] = [];
	for (const { key, conditions } of entries) {
		for (const condition of conditions) {
			const fragment = conditionToSql(key, condition);
			parts.push(fragment.sql);
			bindings.push(...fragment.bindings);
		}
	}
	return { sql: parts.length === 0 ? 'true' : parts.join(' and '), bindings };
}

const isNull = '(metadata -> ?::text is null or metadata -> ?::text = \'null\'::jsonb)';

function equals(key: string, value: MetadataValue): SqlFragment {
	if (value === null) return { sql: isNull, bindings: [key, key] };
	return { sql: 'metadata -> ?::text = ?::jsonb', bindings: [key, JSON.stringify(value)] };
}

function conditionToSql(key: string, condition: ParsedCondition): SqlFragment {
	switch (condition.op) {
		case 'eq':
			return equals(key, condition.value);
		case 'in': {
			if (condition.values.length === 0) return { sql: 'false', bindings: [] };
			const each = condition.values.map((value) => equals(key, value));
			return { sql: `(${each.map((f) => f.sql).join(' or ')})`, bindings: each.flatMap((f) => f.bindings) };
		}
		case 'ne': {
			const eq = equals(key, condition.value);
			return { sql: `not coalesce(${eq.sql}, false)`, bindings: eq.bindings };
		}
		case 'range': {
			// CASE keeps the cast away from non-numbers (AND does not guarantee evaluation order).
			const number = "(case when jsonb_typeof(metadata -> ?::text) = 'number' then (metadata ->> ?::text)::float8 end)";
			const parts: string[] = [];
			const bindings: unknown[] = [];
			const ops = [
				['gt', '>'],
				['gte', '>='],
				['lt', '<'],
				['lte', '<='],
			] as const;
			for (const [name, sqlOp] of ops) {
				const bound = condition[name];
				if (bound === undefined) continue;
				parts.push(`${number} ${sqlOp} ?`);
				bindings.push(key, key, bound);
			}
			return { sql: `(${parts.join(' and ')}) is true`, bindings };
		}
	}
}
