import { InvalidPayloadError } from '@directus/errors';
import type { SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { parseEvalQueries } from '../../core/evaluation/eval-set.js';
import { isMlError } from '../../core/errors.js';
import type { Container } from '../container.js';
import type { FilterRegister } from './hook-register.js';

/** Whether `key` can be a value of a primary key of this Directus type. */
function keyFits(type: string | undefined, key: string): boolean {
	if (type === 'integer' || type === 'bigInteger') return /^-?\d{1,19}$/.test(key);
	if (type === 'uuid') return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(key);
	return true;
}

/** Queries already stored on a set; an invalid stored value counts as none (the edit replaces it). */
function storedQueries(value: unknown): { relevant: { item: string }[] }[] {
	try {
		return parseEvalQueries(value);
	} catch {
		return [];
	}
}

/** Most missing item keys named in an error. */
const NAMED = 5;

/**
 * Keeps `ml_eval_sets` rows runnable, however they are edited (admin app, REST, import): the
 * queries must parse, the index must exist (its collection is copied onto the set), and every
 * relevant item must exist in that collection. `query_count` is kept in step.
 */
export function registerEvalSetHooks(filter: FilterRegister, getContainer: () => Promise<Container>): void {
	const validate = async (payload: unknown, meta: Record<string, unknown>, context: Record<string, unknown>): Promise<unknown> => {
		const container = await getContainer();
		// Inside Directus's transaction: on SQLite its one connection is held until the save ends.
		const db = (context.database as Knex | undefined) ?? container.host.database;
		const changes = { ...((payload ?? {}) as Record<string, unknown>) };
		const keys = Array.isArray(meta.keys) ? meta.keys.map(String) : [];
		const creating = meta.event === 'ml_eval_sets.items.create' || keys.length === 0;
		if (creating && (changes.index === undefined || changes.index === null)) throw new InvalidPayloadError({ reason: 'An evaluation set needs an index ("index")' });
		if (creating && changes.queries === undefined) throw new InvalidPayloadError({ reason: 'An evaluation set needs queries ("queries")' });

		if (changes.index !== undefined && changes.index !== null) {
			const indexId = typeof changes.index === 'object' ? (changes.index as { id?: unknown }).id : changes.index;
			const row = await db('ml_indexes').select('collection').where('id', String(indexId)).first();
			if (!row) throw new InvalidPayloadError({ reason: `Index "${String(indexId)}" does not exist` });
			changes.collection = row.collection;
		}
		if (changes.queries !== undefined) {
			try {
				changes.queries = parseEvalQueries(changes.queries);
			} catch (error) {
				throw new InvalidPayloadError({ reason: isMlError(error) ? error.message : String(error) });
			}
			changes.query_count = (changes.queries as unknown[]).length;
		}
		if (changes.queries === undefined && changes.index === undefined) return changes;

		// Check every relevant item exists, for each set the change applies to.
		const schema = (context.schema as SchemaOverview | undefined) ?? (await container.host.getSchema());
		const targets = creating ? [{ collection: changes.collection as string, queries: changes.queries }] : await Promise.all(keys.map(async (key) => {
			const row = await db('ml_eval_sets').select('collection', 'queries').where('id', key).first();
			return { collection: (changes.collection as string | undefined) ?? (row?.collection as string | undefined), queries: changes.queries ?? storedQueries(row?.queries) };
		}));
		for (const target of targets) {
			if (!target.collection) continue;
			const info = schema.collections[target.collection];
			if (!info) throw new InvalidPayloadError({ reason: `Collection "${target.collection}" of the index does not exist` });
			const wanted = [...new Set((target.queries as { relevant: { item: string }[] }[]).flatMap((q) => q.relevant.map((r) => r.item)))];
			const found = new Set<string>();
			// Keys that cannot be of the key's type are missing (PostgreSQL would refuse to compare them).
			const comparable = wanted.filter((key) => keyFits(info.fields[info.primary]?.type, key));
			for (let i = 0; i < comparable.length; i += 500) {
				const rows: Record<string, unknown>[] = await db(target.collection).select(info.primary).whereIn(info.primary, comparable.slice(i, i + 500));
				for (const row of rows) found.add(String(row[info.primary]));
			}
			const missing = wanted.filter((item) => !found.has(item));
			if (missing.length > 0) {
				throw new InvalidPayloadError({
					reason: `${missing.length} relevant item(s) do not exist in "${target.collection}": ${missing.slice(0, NAMED).join(', ')}${missing.length > NAMED ? ', …' : ''} (items are primary keys of "${target.collection}")`,
				});
			}
		}
		return changes;
	};
	filter('ml_eval_sets.items.create', validate);
	filter('ml_eval_sets.items.update', validate);
}
