import type { Container } from '../container.js';
import { translateSuiteSchema } from '../schema/apply-suite-schema.js';
import type { ActionRegister } from './hook-register.js';

/**
 * Directus loads custom translations for the user's language only, and shows a bare key where one
 * is missing: when a user or the project picks a language, the suite's keys get rows in it.
 */
export function registerSchemaTranslationHooks(action: ActionRegister, getContainer: () => Promise<Container>): void {
	const ensure = async (language: unknown): Promise<void> => {
		if (typeof language !== 'string' || language === '') return;
		const container = await getContainer();
		await translateSuiteSchema(container, [language]).catch((error: unknown) =>
			container.host.logger.warn(`[ml-suite] could not add the suite's translations for ${language}: ${(error as Error).message}`),
		);
	};
	for (const event of ['users.create', 'users.update']) action(event, (meta) => ensure((meta.payload as Record<string, unknown> | undefined)?.language));
	action('settings.update', (meta) => ensure((meta.payload as Record<string, unknown> | undefined)?.default_language));
}
