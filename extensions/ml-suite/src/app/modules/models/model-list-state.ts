import type { ModelHealth, ModelListEntry } from '../../../shared/model-types.js';

export type SortKey = 'name' | 'task' | 'provider' | 'health' | 'usage' | 'lastTest';

export interface ListQuery {
	search: string;
	task: string | null;
	provider: string | null;
	health: ModelHealth | null;
	status: 'active' | 'disabled' | null;
	sort: { by: SortKey; desc: boolean };
	page: number;
	perPage: number;
}

const HEALTH_ORDER: Record<ModelHealth, number> = { failing: 0, untested: 1, healthy: 2 };

function sortValue(m: ModelListEntry, by: SortKey): string | number {
	switch (by) {
		case 'name':
			return m.name.toLowerCase();
		case 'task':
			return m.task;
		case 'provider':
			return m.provider;
		case 'health':
			return HEALTH_ORDER[m.health];
		case 'usage':
			return m.usage24h.calls;
		case 'lastTest':
			return m.lastTest ? Date.parse(m.lastTest.testedAt) : 0;
	}
}

/** Search (name, model id, provider), filters, sort (ties by name) and one page of the changelist. */
export function applyListQuery(models: readonly ModelListEntry[], q: ListQuery): { rows: ModelListEntry[]; total: number; pages: number } {
	// Directus's v-input reports an emptied input as null.
	const needle = (q.search ?? '').trim().toLowerCase();
	const filtered = models.filter(
		(m) =>
			(needle === '' || m.name.toLowerCase().includes(needle) || m.modelId.toLowerCase().includes(needle) || m.provider.includes(needle)) &&
			(q.task === null || m.task === q.task) &&
			(q.provider === null || m.provider === q.provider) &&
			(q.health === null || m.health === q.health) &&
			(q.status === null || m.status === q.status),
	);
	const dir = q.sort.desc ? -1 : 1;
	const sorted = filtered.slice().sort((a, b) => {
		const x = sortValue(a, q.sort.by);
		const y = sortValue(b, q.sort.by);
		if (x < y) return -dir;
		if (x > y) return dir;
		return a.name.localeCompare(b.name);
	});
	const pages = Math.max(1, Math.ceil(sorted.length / q.perPage));
	const page = Math.min(Math.max(1, q.page), pages);
	return { rows: sorted.slice((page - 1) * q.perPage, page * q.perPage), total: filtered.length, pages };
}

/**
 * Models that may be deleted in bulk: not a default, no calls in the last 24 h, no index embeds
 * with them and no trained version active (deleting those would break search or classification).
 */
export function isUnused(m: ModelListEntry): boolean {
	return !m.isDefault && m.usage24h.calls === 0 && m.indexes === 0 && m.versions.active === null;
}

/** The editable fields of a model row (the change form). */
export interface ModelFormValues {
	name: string;
	task: string;
	provider: string;
	model_id: string;
	base_url: string | null;
	api_key_env: string | null;
	dimensions: number | null;
	max_input_tokens: number | null;
	max_batch_size: number | null;
	context_window: number | null;
	/** Caps the routes enforce (empty: no cap; see core/providers/model-caps.ts). */
	max_output_tokens: number | null;
	max_request_inputs: number | null;
	max_input_chars: number | null;
	input_price_per_million: number | null;
	output_price_per_million: number | null;
	audio_price_per_minute: number | null;
	description: string | null;
	status: string;
}

/** Message keys (in `models.validation`) per field; empty when the form may be saved. */
/** Shape checks before save; the server's allowlists (key variables, hosts) are checked by `POST /ml/models/validate`. */
export function validateModelForm(v: ModelFormValues): Record<string, string> {
	const errors: Record<string, string> = {};
	// An emptied input is null (Directus's v-input), not ''.
	if ((v.name ?? '').trim() === '') errors.name = 'required';
	if ((v.model_id ?? '').trim() === '') errors.model_id = 'required';
	if (!['embedding', 'chat', 'transcription', 'classification'].includes(v.task)) errors.task = 'required';
	if (!['local', 'openai', 'openai-compatible'].includes(v.provider)) errors.provider = 'required';
	if (v.provider === 'openai-compatible' && !v.base_url) errors.base_url = 'base_url_required';
	if (v.base_url) {
		try {
			const url = new URL(v.base_url);
			if (url.protocol !== 'http:' && url.protocol !== 'https:') errors.base_url = 'base_url_http';
		} catch {
			errors.base_url = 'base_url_http';
		}
	}
	if (v.api_key_env) {
		if (!/^(directus:[a-z_]+|[A-Z][A-Z0-9_]*)$/.test(v.api_key_env)) errors.api_key_env = 'key_env_name';
	}
	if (v.provider === 'openai' && !v.api_key_env) errors.api_key_env = 'key_env_required';
	for (const field of ['dimensions', 'max_input_tokens', 'max_batch_size', 'context_window', 'max_output_tokens', 'max_request_inputs', 'max_input_chars'] as const) {
		const n = v[field];
		if (n !== null && (!Number.isInteger(n) || n < 1)) errors[field] = 'positive_integer';
	}
	if (v.task === 'embedding' && v.dimensions === null) errors.dimensions = 'dimensions_required';
	// A completion cap above the context window could never be reached.
	if (!errors.max_output_tokens && !errors.context_window && v.max_output_tokens !== null && v.context_window !== null && v.max_output_tokens > v.context_window) errors.max_output_tokens = 'output_over_context';
	for (const field of ['input_price_per_million', 'output_price_per_million', 'audio_price_per_minute'] as const) {
		const n = v[field];
		if (n !== null && (!Number.isFinite(n) || n < 0)) errors[field] = 'non_negative';
	}
	return errors;
}
