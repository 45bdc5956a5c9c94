/** A field value as one line of text: lists joined by commas, objects as JSON, empty as null. */
export function formatValue(value: unknown): string | null {
	if (value === null || value === undefined) return null;
	if (Array.isArray(value)) return value.length === 0 ? null : value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
	if (typeof value === 'object') return JSON.stringify(value);
	const text = String(value);
	return text.trim() === '' ? null : text;
}

/** The edited text back as a value of the suggestion's shape: a list stays a list. */
export function parseEdited(text: string, like: unknown): unknown {
	if (Array.isArray(like)) return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
	if (typeof like === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
	return text;
}
