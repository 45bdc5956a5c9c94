import type { ItemSource } from '../indexing/item-source.js';

/** What a pipeline needs to know about a target field to shape the value it writes. */
export interface TargetFieldInfo {
	/** Directus field type: string, text, integer, float, decimal, json, csv, boolean … */
	type: string;
	/** Dropdown choices (select interfaces), if any. */
	choices: { text: string; value: string }[] | null;
}

/**
 * How pipelines read and write CMS items. The Directus implementation goes through
 * ItemsService, so writes create revisions, fire other hooks and show up in REST/GraphQL.
 */
export interface EnrichmentItems extends ItemSource {
	/** Reads items matching a filter (for calibration), at most `limit`. */
	query(collection: string, options: { filter: Record<string, unknown> | null; fields: readonly string[]; limit: number }): Promise<Record<string, unknown>[]>;
	/** Updates one item's fields as the suite. */
	write(collection: string, key: string, values: Record<string, unknown>): Promise<void>;
	/**
	 * Updates several items, each with its own values, as the suite in one transaction: all are
	 * written or none (a backfill page costs one commit instead of one per item).
	 */
	writeMany(collection: string, entries: readonly { key: string; values: Record<string, unknown> }[]): Promise<void>;
	/** Type and choices of a field; null when the field does not exist. */
	fieldInfo(collection: string, field: string): Promise<TargetFieldInfo | null>;
}
