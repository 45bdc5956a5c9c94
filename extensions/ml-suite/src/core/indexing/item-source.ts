/**
 * How the indexing pipeline reads CMS content. The Directus implementation
 * (`api/directus-item-source.ts`) reads through ItemsService with system access; tests can
 * use any store of records.
 */
export interface ItemSource {
	/** Primary key field of a collection. */
	primaryKey(collection: string): Promise<string>;
	/** Reads existing items by key with the given fields; keys that do not exist are absent. */
	read(collection: string, keys: readonly string[], fields: readonly string[]): Promise<Map<string, Record<string, unknown>>>;
	/** Which of `keys` match a Directus filter. */
	matching(collection: string, keys: readonly string[], filter: Record<string, unknown>): Promise<Set<string>>;
	/** One page of item keys in primary-key order. */
	listKeys(collection: string, page: { offset: number; limit: number }): Promise<string[]>;
	/** Number of items in a collection, optionally matching a filter. */
	count(collection: string, filter: Record<string, unknown> | null): Promise<number>;
}
