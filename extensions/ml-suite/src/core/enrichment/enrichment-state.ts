import type { Knex } from 'knex';
import { jsonColumn } from '../database/json-column.js';

export type EnrichmentStatus = 'pending' | 'done' | 'failed' | 'skipped';

export interface EnrichmentItemState {
	id: number;
	enrichment: string;
	collection: string;
	item: string;
	status: EnrichmentStatus;
	/** Hash of the source fields the last successful run analysed. */
	sourceHash: string | null;
	/** Values the suite last wrote, by field: a field still holding its value was not edited by hand since. */
	written: Record<string, unknown>;
	/** Fields left alone because an editor had set them. */
	kept: string[];
	attempts: number;
	error: string | null;
	/**
	 * Bumped by every save that marks the item pending (the same compare-and-set rule as
	 * indexing's `ml_documents.revision`): a job notes it before reading the item and records its
	 * result only if it is unchanged, so an older job never overrides a newer save's run.
	 */
	revision: number;
}

const TABLE = 'ml_enrichment_items';
const BATCH = 400;
const now = (): string => new Date().toISOString();


function toState(row: Record<string, unknown>): EnrichmentItemState {
	return {
		id: Number(row.id),
		enrichment: String(row.enrichment),
		collection: String(row.collection),
		item: String(row.item),
		status: row.status as EnrichmentStatus,
		sourceHash: (row.source_hash as string | null) ?? null,
		written: jsonColumn<Record<string, unknown>>(row.written, {}),
		kept: jsonColumn<string[]>(row.kept_fields, []),
		attempts: Number(row.attempts ?? 0),
		error: (row.error as string | null) ?? null,
		revision: Number(row.revision ?? 0),
	};
}

/**
 * Per-item enrichment state (`ml_enrichment_items`): status, the source hash of the last run,
 * and what the suite wrote. Pending rows are the work list: a job lost with a process leaves
 * them pending and the start-up sweep enqueues them again.
 */
export class EnrichmentStateRepository {
	constructor(private readonly db: Knex) {}

	async get(enrichment: string, items: readonly string[]): Promise<Map<string, EnrichmentItemState>> {
		const out = new Map<string, EnrichmentItemState>();
		for (let i = 0; i < items.length; i += BATCH) {
			const rows = await this.db(TABLE).where('enrichment', enrichment).whereIn('item', items.slice(i, i + BATCH));
			for (const row of rows) out.set(String(row.item), toState(row));
		}
		return out;
	}

	/** Marks items pending, creating rows as needed, and bumps their revision. */
	async markPending(enrichment: string, collection: string, items: readonly string[]): Promise<void> {
		if (items.length === 0) return;
		const unique = [...new Set(items)];
		for (let i = 0; i < unique.length; i += BATCH) {
			const part = unique.slice(i, i + BATCH);
			const existing = new Set((await this.db(TABLE).where('enrichment', enrichment).whereIn('item', part).select('item')).map((r: { item: unknown }) => String(r.item)));
			const fresh = part.filter((item) => !existing.has(item));
			if (existing.size > 0) {
				await this.db(TABLE)
					.where('enrichment', enrichment)
					.whereIn('item', [...existing])
					.update({ status: 'pending', error: null, date_updated: now(), revision: this.db.raw('coalesce(revision, 0) + 1') });
			}
			if (fresh.length > 0) {
				await this.db(TABLE)
					.insert(fresh.map((item) => ({ enrichment, collection, item, status: 'pending', attempts: 0, revision: 1, written: '{}', kept_fields: '[]', date_updated: now() })))
					.onConflict(['enrichment', 'item'])
					.merge({ status: 'pending', date_updated: now(), revision: this.db.raw(`coalesce(${TABLE}.revision, 0) + 1`) });
			}
		}
	}

	/**
	 * Records a finished run. With `expectedRevision` it is a compare-and-set: nothing is written
	 * (and false returned) when the item was saved again since the job noted the revision.
	 */
	async markDone(
		enrichment: string,
		item: string,
		update: { sourceHash: string; written: Record<string, unknown>; kept: string[]; expectedRevision?: number; collection?: string },
		db: Knex = this.db,
	): Promise<boolean> {
		const query = db(TABLE).where({ enrichment, item });
		if (update.expectedRevision !== undefined) query.where('revision', update.expectedRevision);
		const n = await query.update({ status: 'done', source_hash: update.sourceHash, written: JSON.stringify(update.written), kept_fields: JSON.stringify(update.kept), error: null, date_enriched: now(), date_updated: now() });
		if (Number(n) > 0) return true;
		// A run for an item nobody marked pending (no row yet) owns it.
		if (update.expectedRevision === 0 && !(await db(TABLE).where({ enrichment, item }).first('id'))) {
			await db(TABLE).insert({
				enrichment,
				collection: update.collection ?? '',
				item,
				status: 'done',
				revision: 0,
				attempts: 0,
				source_hash: update.sourceHash,
				written: JSON.stringify(update.written),
				kept_fields: JSON.stringify(update.kept),
				date_enriched: now(),
				date_updated: now(),
			});
			return true;
		}
		return false;
	}

	/**
	 * Claims items for writing back, compare-and-set on the revision a run noted: the claim bumps
	 * the revision, so of two runs that noted the same revision (a save's job and a backfill, or
	 * two workers) only the first to claim writes, and a save after the claim still supersedes
	 * it (its `markPending` bumps the revision again). Returns the claimed items; each one's
	 * revision is now `expectedRevision + 1`. An item without a row (nobody marked it pending)
	 * is claimed by creating its row.
	 */
	async claimMany(enrichment: string, collection: string, claims: readonly { item: string; expectedRevision: number }[]): Promise<Set<string>> {
		if (claims.length === 0) return new Set();
		return this.db.transaction(async (trx) => {
			const claimed = new Set<string>();
			for (const { item, expectedRevision } of claims) {
				const n = await trx(TABLE).where({ enrichment, item, revision: expectedRevision }).update({ revision: expectedRevision + 1, date_updated: now() });
				if (Number(n) > 0) {
					claimed.add(item);
					continue;
				}
				if (expectedRevision !== 0 || (await trx(TABLE).where({ enrichment, item }).first('id'))) continue;
				await trx(TABLE).insert({ enrichment, collection, item, status: 'pending', attempts: 0, revision: 1, written: '{}', kept_fields: '[]', date_updated: now() });
				claimed.add(item);
			}
			return claimed;
		});
	}

	/**
	 * `markDone` for a page of items in one transaction (one commit instead of one per item);
	 * returns the items whose compare-and-set failed (saved again meanwhile).
	 */
	async markDoneMany(
		enrichment: string,
		collection: string,
		results: readonly { item: string; sourceHash: string; written: Record<string, unknown>; kept: string[]; expectedRevision: number }[],
	): Promise<string[]> {
		if (results.length === 0) return [];
		return this.db.transaction(async (trx) => {
			const superseded: string[] = [];
			for (const r of results) {
				if (!(await this.markDone(enrichment, r.item, { ...r, collection }, trx))) superseded.push(r.item);
			}
			return superseded;
		});
	}

	/**
	 * Notes values the suite wrote although a newer save superseded its run, and leaves the item
	 * pending: the newer run then recognises them as the suite's (not an editor's) and replaces them.
	 */
	async recordSupersededWrite(enrichment: string, item: string, written: Record<string, unknown>): Promise<void> {
		await this.db(TABLE).where({ enrichment, item }).update({ written: JSON.stringify(written), status: 'pending', date_updated: now() });
	}

	/**
	 * Records who owns a field after an editor decided on a suggestion: `suite` (the value is the
	 * suite's; later runs may update it) or `editor` (the pipeline leaves the field alone).
	 */
	async setOwner(enrichment: string, collection: string, item: string, field: string, owner: { by: 'suite'; value: unknown } | { by: 'editor' }): Promise<void> {
		await this.db.transaction(async (trx) => {
			const row = await trx(TABLE).where({ enrichment, item }).first();
			const state = row ? toState(row) : null;
			const written = { ...(state?.written ?? {}) };
			const kept = new Set(state?.kept ?? []);
			if (owner.by === 'suite') {
				written[field] = owner.value;
				kept.delete(field);
			} else {
				delete written[field];
				kept.add(field);
			}
			const values = { written: JSON.stringify(written), kept_fields: JSON.stringify([...kept]), date_updated: now() };
			if (row) await trx(TABLE).where({ enrichment, item }).update(values);
			else await trx(TABLE).insert({ enrichment, collection, item, status: 'done', attempts: 0, revision: 0, ...values });
		});
	}

	async markSkipped(enrichment: string, items: readonly string[], reason: string): Promise<void> {
		for (let i = 0; i < items.length; i += BATCH) {
			await this.db(TABLE).where('enrichment', enrichment).whereIn('item', items.slice(i, i + BATCH)).update({ status: 'skipped', error: reason, date_updated: now() });
		}
	}

	async markFailed(enrichment: string, item: string, error: string): Promise<void> {
		await this.db(TABLE).where({ enrichment, item }).update({ status: 'failed', error: error.slice(0, 2000), date_updated: now() }).increment('attempts', 1);
	}

	async remove(enrichment: string, items: readonly string[]): Promise<void> {
		for (let i = 0; i < items.length; i += BATCH) await this.db(TABLE).where('enrichment', enrichment).whereIn('item', items.slice(i, i + BATCH)).delete();
	}

	/** Counts by status for one pipeline. */
	async counts(enrichment: string): Promise<Record<EnrichmentStatus, number>> {
		const rows: { status: string; n: unknown }[] = await this.db(TABLE).where('enrichment', enrichment).select('status').count({ n: '*' }).groupBy('status');
		const out: Record<EnrichmentStatus, number> = { pending: 0, done: 0, failed: 0, skipped: 0 };
		for (const row of rows) if (row.status in out) out[row.status as EnrichmentStatus] = Number(row.n);
		return out;
	}

	async failures(enrichment: string, limit: number): Promise<{ item: string; error: string | null; attempts: number }[]> {
		const rows: { item: unknown; error: unknown; attempts: unknown }[] = await this.db(TABLE).where({ enrichment, status: 'failed' }).orderBy('date_updated', 'desc').limit(limit).select('item', 'error', 'attempts');
		return rows.map((r) => ({ item: String(r.item), error: (r.error as string | null) ?? null, attempts: Number(r.attempts ?? 0) }));
	}

	/** Pending items per pipeline untouched for `olderThanSeconds` (for the start-up and periodic sweep). */
	async pending(olderThanSeconds: number, limit = 5000): Promise<{ enrichment: string; item: string }[]> {
		const cutoff = new Date(Date.now() - olderThanSeconds * 1000).toISOString();
		const rows: { enrichment: unknown; item: unknown }[] = await this.db(TABLE).where('status', 'pending').where('date_updated', '<=', cutoff).select('enrichment', 'item').limit(limit);
		return rows.map((r) => ({ enrichment: String(r.enrichment), item: String(r.item) }));
	}
}
