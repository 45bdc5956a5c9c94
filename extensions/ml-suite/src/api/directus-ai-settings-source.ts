import { directusAiSecret, parseDirectusAiSettings, type DirectusAiSettings } from '../core/providers/directus-ai-settings.js';
import type { HostContext } from './container-types.js';

const AI_FIELDS = [
	'ai_openai_api_key',
	'ai_openai_allowed_models',
	'ai_openai_compatible_api_key',
	'ai_openai_compatible_base_url',
	'ai_openai_compatible_name',
	'ai_openai_compatible_models',
] as const;

/**
 * Directus 12's AI settings, read through Directus's SettingsService (which decrypts the keys
 * for a server-side read) and kept in memory. On Directus 11, which has no such settings, it
 * holds nothing and every `directus:` secret resolves to undefined.
 */
export class DirectusAiSettingsSource {
	current: DirectusAiSettings | null = null;

	constructor(private readonly host: HostContext) {}

	/** Re-reads the settings (at start-up and after every settings update). Never throws. */
	async refresh(): Promise<DirectusAiSettings | null> {
		try {
			const schema = await this.host.getSchema();
			const known = schema.collections.directus_settings?.fields ?? {};
			const fields = AI_FIELDS.filter((field) => known[field]);
			if (fields.length === 0) {
				this.current = null;
				return null;
			}
			// No accountability: a trusted server-side read, the only one Directus decrypts keys for.
			const service = new this.host.services.SettingsService({ schema, knex: this.host.database });
			const row = (await service.readSingleton({ fields: [...fields] })) as Record<string, unknown> | null;
			this.current = parseDirectusAiSettings(row);
		} catch (error) {
			this.host.logger.warn(`[ml-suite] could not read Directus's AI settings: ${(error as Error).message}`);
		}
		return this.current;
	}

	secret(name: string): string | undefined {
		return directusAiSecret(this.current, name);
	}

	/** What is configured, without keys: for /ml/health. */
	describe(): Record<string, unknown> {
		return {
			available: this.current !== null,
			openai: this.current?.openai ? { keySet: true, models: this.current.openai.models } : null,
			openaiCompatible: this.current?.openaiCompatible
				? { keySet: this.current.openaiCompatible.apiKey !== null, name: this.current.openaiCompatible.name, models: this.current.openaiCompatible.models.map((m) => m.id) }
				: null,
		};
	}
}
