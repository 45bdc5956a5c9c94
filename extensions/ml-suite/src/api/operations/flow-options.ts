import { z } from 'zod';

/**
 * Zod pieces for flow-operation options. The flow editor sends empty fields as '' or null, and
 * mustache values (`{{$trigger.keys}}`) arrive as whatever type the data had: numbers, arrays,
 * objects or strings. These schemas accept all of those forms and normalise them.
 */

/** Empty option fields arrive as '' or null from the flow editor: treat them as unset. */
export const blank = (v: unknown): unknown => (v === '' || v === null ? undefined : v);

/** A required text option; non-strings (e.g. an object from `{{$last}}`) are serialised as JSON. */
export const requiredText = z.preprocess(
	(v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v)),
	z.string().refine((s) => s.trim().length > 0, 'is required'),
);

/** An optional non-empty string option. */
export const optionalString = z.preprocess((v) => {
	const value = blank(v);
	return typeof value === 'string' && value.trim() === '' ? undefined : value;
}, z.string().trim().min(1).max(200).optional());

/**
 * A list of strings: an array, a JSON array string, or a comma-separated string. Numbers (item
 * keys) become strings. Empty = unset.
 */
export const stringList = z.preprocess((v) => {
	if (v === undefined || v === null) return undefined;
	if (typeof v === 'number' || typeof v === 'bigint') return [String(v)];
	if (Array.isArray(v)) return v.map((entry: unknown) => (typeof entry === 'number' ? String(entry) : entry));
	if (typeof v !== 'string') return v;
	const text = v.trim();
	if (text === '') return undefined;
	if (text.startsWith('[')) {
		try {
			const parsed = JSON.parse(text) as unknown;
			if (Array.isArray(parsed)) return parsed.map((entry: unknown) => (typeof entry === 'number' ? String(entry) : entry));
		} catch {
			// Not JSON: fall through to the comma-separated reading.
		}
	}
	return text
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
}, z.array(z.string().trim().min(1, 'must not contain empty entries')).optional());

/** A whole number option that may arrive as a string from an input interface. */
export const optionalInt = (min: number, max: number): z.ZodType<number | undefined> =>
	z.preprocess(
		(v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'string' ? undefined : blank(v)),
		z.number().int().min(min).max(max).optional(),
	);

/** A boolean option; the strings "true"/"false" (from mustache) are accepted too. */
export const optionalBoolean = z.preprocess((v) => {
	if (v === 'true') return true;
	if (v === 'false') return false;
	return blank(v);
}, z.boolean().optional());

/** A JSON object option (a Directus filter): an object, or its JSON text. Empty = unset. */
export const jsonObject = z.preprocess((v) => {
	if (typeof v !== 'string') return blank(v);
	if (v.trim() === '') return undefined;
	try {
		return JSON.parse(v) as unknown;
	} catch {
		return v;
	}
}, z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }).optional());

/** Whose permissions an operation uses: the trigger's (default), full access, or public. */
export const permissionsOption = z.preprocess(blank, z.enum(['$trigger', '$full', '$public']).default('$trigger'));
