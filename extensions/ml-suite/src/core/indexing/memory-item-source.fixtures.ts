import type { ItemSource } from './item-source.js';

type Row = Record<string, unknown>;

/** Key order of `listKeys` (numeric-aware); one collator, not `localeCompare`'s per call (benchmarks page through 5,000+ keys). */
const keyOrder = new Intl.Collator('en', { numeric: true });

/**
 * An ItemSource over in-memory rows, for tests and benchmarks. Filters support the subset used
 * there: `{ field: { _eq: value } }` combined with `_and`.
 */
export class MemoryItemSource implements ItemSource {
	readonly collections = new Map<string, Map<string, Row>>();

	set(collection: string, key: string, row: Row): void {
		let rows = this.collections.get(collection);
		if (!rows) {
			rows = new Map();
			this.collections.set(collection, rows);
		}
		rows.set(key, { id: key, ...row });
	}

	delete(collection: string, key: string): void {
		this.collections.get(collection)?.delete(key);
	}

	async primaryKey(): Promise<string> {
		return 'id';
	}

	async read(collection: string, keys: readonly string[], fields: readonly string[]): Promise<Map<string, Row>> {
		const rows = this.collections.get(collection) ?? new Map<string, Row>();
		const out = new Map<string, Row>();
		for (const key of keys) {
			const row = rows.get(key);
			if (row) out.set(key, Object.fromEntries(fields.filter((f) => f in row).map((f) => [f, row[f]])));
		}
		return out;
	}

	async matching(collection: string, keys: readonly string[], filter: Record<string, unknown>): Promise<Set<string>> {
		const rows = this.collections.get(collection) ?? new Map<string, Row>();
		return new Set(keys.filter((key) => rows.has(key) && matches(rows.get(key)!, filter)));
	}

	async listKeys(collection: string, page: { offset: number; limit: number }): Promise<string[]> {
		const keys = [...(this.collections.get(collection)?.keys() ?? [])].sort(keyOrder.compare);
		return keys.slice(page.offset, page.offset + page.limit);
	}

	async count(collection: string, filter: Record<string, unknown> | null): Promise<number> {
		const rows = [...(this.collections.get(collection)?.values() ?? [])];
		return filter ? rows.filter((row) => matches(row, filter)).length : rows.length;
	}
}

function matches(row: Row, filter: Record<string, unknown>): boolean {
	return Object.entries(filter).every(([key, condition]) => {
		if (key === '_and') return (condition as Record<string, unknown>[]).every((f) => matches(row, f));
		const op = condition as { _eq?: unknown; _neq?: unknown };
		if ('_eq' in op) return row[key] === op._eq;
		if ('_neq' in op) return row[key] !== op._neq;
		return true;
	});
}
