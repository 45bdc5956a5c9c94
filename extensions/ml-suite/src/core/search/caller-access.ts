/**
 * What the caller may read, answered by Directus with the caller's accountability
 * (`api/directus-caller-access.ts`). Search never shows an item or a field the caller could not
 * read through Directus itself.
 */
export interface CallerAccess {
	/** Whether the caller may read the collection at all. */
	canRead(collection: string): Promise<boolean>;
	/**
	 * Re-reads items with the caller's permissions (and an optional Directus filter). Items the
	 * caller cannot read, or that do not match, are absent; each row holds exactly the fields the
	 * caller may read. `fields`, given only when the caller may read every field (see
	 * `restrictions`): just these are needed (the primary key comes anyway; names that are not
	 * fields of the collection are left out), an implementation may still return more.
	 */
	readItems(collection: string, keys: readonly string[], filter: Record<string, unknown> | null, fields?: readonly string[]): Promise<Map<string, Record<string, unknown>>>;
	/** Primary key field of a collection. */
	primaryKey(collection: string): Promise<string>;
	/**
	 * Whether the caller's permission rules may hide some items (an item filter) or fields (a
	 * field list other than `*`) of the collection. Answered from the rules, never from the data,
	 * so two databases with the same rules get the same answer. When true, search ranks only with
	 * what the caller may read (see SearchService). Omitted: treated as restricted.
	 */
	restrictions?(collection: string): Promise<{ restricted: boolean }>;
}
