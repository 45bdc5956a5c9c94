export type FilterParseResult = { ok: true; value: Record<string, unknown> | undefined } | { ok: false; error: string };

/** Parses the Playground's filter box: empty = no filter; otherwise a JSON object (a Directus filter). */
export function parseFilter(text: string): FilterParseResult {
	if (text.trim() === '') return { ok: true, value: undefined };
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		return { ok: false, error: `Invalid JSON: ${(error as Error).message}` };
	}
	if (value === null || typeof value !== 'object' || Array.isArray(value)) {
		return { ok: false, error: 'The filter must be a JSON object, e.g. { "status": { "_eq": "published" } }.' };
	}
	return { ok: true, value: value as Record<string, unknown> };
}
