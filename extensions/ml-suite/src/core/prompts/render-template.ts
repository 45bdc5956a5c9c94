import { InvalidPayloadError } from '../errors.js';

/** `{{name}}` or `{{a.b.0.c}}`, spaces inside the braces allowed. Anything else is left as written. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_$][\w$]*(?:\.[\w$]+)*)\s*\}\}/g;

/** Lists the variable paths a template uses, in first-use order, without duplicates. */
export function templateVariables(template: string): string[] {
	const seen = new Set<string>();
	for (const match of template.matchAll(PLACEHOLDER)) {
		if (match[1] !== undefined) seen.add(match[1]);
	}
	return [...seen];
}

/**
 * Fills `{{variable}}` and `{{nested.path}}` placeholders from `variables`.
 *
 * - Paths walk own properties only (array indexes are path segments: `{{tags.0}}`), so a
 *   template cannot reach `constructor`, `__proto__` or anything else inherited.
 * - Strings are inserted as they are; `null` as an empty string; dates as ISO strings;
 *   other objects and arrays as JSON. Nothing in a template is ever evaluated.
 * - Substitution is a single pass: a value that itself contains `{{…}}` is not expanded again,
 *   so item data cannot inject placeholders.
 *
 * @throws InvalidPayloadError naming every missing variable (`undefined` counts as missing).
 */
export function renderTemplate(template: string, variables: Readonly<Record<string, unknown>>): string {
	const missing: string[] = [];
	const rendered = template.replace(PLACEHOLDER, (whole, path: string) => {
		const value = lookup(variables, path);
		if (value === undefined) {
			if (!missing.includes(path)) missing.push(path);
			return whole;
		}
		return stringify(value);
	});
	if (missing.length > 0) {
		const list = missing.map((name) => `"${name}"`).join(', ');
		throw new InvalidPayloadError(`Template variable${missing.length > 1 ? 's' : ''} ${list} ${missing.length > 1 ? 'are' : 'is'} missing.`, {
			missing,
		});
	}
	return rendered;
}

function lookup(root: unknown, path: string): unknown {
	let current: unknown = root;
	for (const segment of path.split('.')) {
		if (current === null || typeof current !== 'object') return undefined;
		if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
		current = (current as Record<string, unknown>)[segment];
	}
	return current;
}

function stringify(value: unknown): string {
	if (value === null) return '';
	if (typeof value === 'string') return value;
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
	if (typeof value === 'object') {
		try {
			return JSON.stringify(value);
		} catch {
			// Circular structures: a placeholder is better than failing the whole render.
			return '[object]';
		}
	}
	return String(value);
}
