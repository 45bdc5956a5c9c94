import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Directus 12's own AI provider settings (Settings → AI: OpenAI key and allowed models, an
 * OpenAI-compatible server with its key, base URL and models), as the suite uses them. Read on
 * the server only; keys stay in this process's memory and are never returned or logged.
 */
export interface DirectusAiSettings {
	openai: { apiKey: string; models: string[] } | null;
	openaiCompatible: { apiKey: string | null; baseUrl: string; name: string | null; models: { id: string; name: string; context: number | null }[] } | null;
}

/**
 * The secret names a `ml_models.api_key_env` can hold to use a key from Directus's AI settings
 * instead of an environment variable. They cannot clash with a variable name (they contain `:`).
 */
export const DIRECTUS_AI_SECRETS = { openai: 'directus:ai_openai_api_key', openaiCompatible: 'directus:ai_openai_compatible_api_key' } as const;

/** Parses the raw `directus_settings` AI fields (JSON columns may arrive as strings). */
export function parseDirectusAiSettings(row: Record<string, unknown> | null | undefined): DirectusAiSettings {
	const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
	const list = (v: unknown): unknown[] => {
		const parsed = typeof v === 'string' ? safeJson(v) : v;
		return Array.isArray(parsed) ? parsed : [];
	};
	const openaiKey = text(row?.ai_openai_api_key);
	const baseUrl = text(row?.ai_openai_compatible_base_url);
	return {
		openai: openaiKey ? { apiKey: openaiKey, models: list(row?.ai_openai_allowed_models).filter((m): m is string => typeof m === 'string' && m.length > 0) } : null,
		openaiCompatible: baseUrl
			? {
					apiKey: text(row?.ai_openai_compatible_api_key),
					baseUrl,
					name: text(row?.ai_openai_compatible_name),
					models: list(row?.ai_openai_compatible_models)
						.filter((m): m is { id: string; name?: string; context?: number } => typeof m === 'object' && m !== null && typeof (m as { id?: unknown }).id === 'string')
						.map((m) => ({ id: m.id, name: m.name ?? m.id, context: typeof m.context === 'number' ? m.context : null })),
				}
			: null,
	};
}

function safeJson(value: string): unknown {
	try {
		return JSON.parse(value);
	} catch {
		return null;
	}
}

/** The key a `directus:` secret name stands for, if Directus's settings hold one. */
export function directusAiSecret(settings: DirectusAiSettings | null, name: string): string | undefined {
	if (!settings) return undefined;
	if (name === DIRECTUS_AI_SECRETS.openai) return settings.openai?.apiKey;
	if (name === DIRECTUS_AI_SECRETS.openaiCompatible) return settings.openaiCompatible?.apiKey ?? undefined;
	return undefined;
}

/**
 * Offers the chat models configured in Directus's AI settings in the suite's registry: one
 * `ml_models` row per model, linked to the settings by its `api_key_env` (never a copy of the
 * key). Rows are added once per (provider, model id) and never made default, so an admin picks
 * which one the suite uses; linked OpenAI-compatible rows follow the settings' base URL.
 * Returns the names of the rows created.
 */
export async function offerDirectusAiModels(knex: Knex, settings: DirectusAiSettings, table = 'ml_models'): Promise<string[]> {
	const offers: { provider: string; model_id: string; name: string; base_url: string | null; api_key_env: string; context_window: number | null }[] = [];
	for (const model of settings.openai?.models ?? []) {
		offers.push({ provider: 'openai', model_id: model, name: `${model} (Directus AI settings)`, base_url: null, api_key_env: DIRECTUS_AI_SECRETS.openai, context_window: null });
	}
	const compatible = settings.openaiCompatible;
	for (const model of compatible?.models ?? []) {
		offers.push({
			provider: 'openai-compatible',
			model_id: model.id,
			name: `${model.name} (${compatible?.name ?? 'OpenAI-compatible'}, Directus AI settings)`,
			base_url: compatible?.baseUrl ?? null,
			api_key_env: DIRECTUS_AI_SECRETS.openaiCompatible,
			context_window: model.context,
		});
	}
	const created: string[] = [];
	await knex.transaction(async (trx) => {
		if (compatible) {
			await trx(table).where({ provider: 'openai-compatible', api_key_env: DIRECTUS_AI_SECRETS.openaiCompatible }).whereNot('base_url', compatible.baseUrl).update({ base_url: compatible.baseUrl, date_updated: new Date() });
		}
		for (const offer of offers) {
			const exists = await trx(table).where({ task: 'chat', provider: offer.provider, model_id: offer.model_id }).first('id');
			if (exists) continue;
			await trx(table).insert({
				id: randomUUID(),
				status: 'active',
				task: 'chat',
				is_default: false,
				...offer,
				description: 'Offered from Directus Settings → AI. The key stays in Directus settings; mark this model as default to use it for RAG and generation.',
				date_created: new Date(),
			});
			created.push(offer.name);
		}
	});
	return created;
}
