/**
 * The value of a JSON column: text on SQLite, already parsed on PostgreSQL. Empty or unparsable
 * values give `fallback`.
 */
export function jsonColumn<T>(value: unknown, fallback: T): T {
	if (value === null || value === undefined || value === '') return fallback;
	if (typeof value !== 'string') return value as T;
	try {
		return JSON.parse(value) as T;
	} catch {
		return fallback;
	}
}
