/**
 * Adds the suite's internal tables to Directus's `DB_EXCLUDE_TABLES`, so Directus leaves them
 * out of its schema: no Data Model entry, no collection in Flow triggers, Insights or any
 * collection picker, and no count against Directus 12's collection limit.
 *
 * `env` is Directus's process-wide env object (the one `useEnv()` returns and every service
 * reads `DB_EXCLUDE_TABLES` from), so this must run when the extension loads, before the schema
 * is first read. Tables the admin already excluded stay excluded. Returns the tables added.
 */
export function excludeInternalTables(env: Record<string, unknown>, tables: readonly string[]): string[] {
	const raw = env.DB_EXCLUDE_TABLES;
	const current = Array.isArray(raw)
		? raw.map(String)
		: typeof raw === 'string'
			? raw
					.split(',')
					.map((s) => s.trim())
					.filter(Boolean)
			: [];
	const added = tables.filter((table) => !current.includes(table));
	if (added.length > 0) env.DB_EXCLUDE_TABLES = [...current, ...added];
	return added;
}
