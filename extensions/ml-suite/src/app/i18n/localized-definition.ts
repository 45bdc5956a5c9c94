import type { InterfaceConfig, OperationAppConfig } from '@directus/types';
import { localizeShownText, localizeText } from '../../shared/i18n/localize.js';
import { appLocale } from './module-name.js';

/** A default text (e.g. "All" in an operation's overview) in the user's language. */
export function tr(english: string): string {
	return localizeText(english, appLocale());
}

/**
 * An extension definition shown in the user's language: Directus re-reads the `name` and
 * `description` of operations and interfaces when the app language changes, and calls `options`
 * each time a form opens and an operation's `overview` each time a flow is drawn, so each returns
 * the suite's catalogue entry for the language at that moment (the English definition is the key).
 * Overview texts are option values, so only their labels are translated; defaults there use `tr`.
 */
export function localizedDefinition(config: OperationAppConfig): OperationAppConfig & Record<string, unknown>;
export function localizedDefinition(config: InterfaceConfig): InterfaceConfig & Record<string, unknown>;
export function localizedDefinition(config: OperationAppConfig | InterfaceConfig): Record<string, unknown> {
	const { name, description, options } = config;
	const overview = 'overview' in config ? config.overview : undefined;
	const localized: Record<string, unknown> = {
		...config,
		get name() {
			return localizeText(name, appLocale());
		},
		get description() {
			return description === undefined ? undefined : localizeText(description, appLocale());
		},
		options:
			typeof options === 'function'
				? (...args: unknown[]) => localizeShownText((options as (...a: unknown[]) => unknown)(...args), appLocale())
				: Array.isArray(options)
					? () => localizeShownText(options, appLocale())
					: options,
	};
	if (typeof overview === 'function') {
		localized.overview = (values: Record<string, unknown>, context: Parameters<typeof overview>[1]) =>
			overview(values, context).map((entry) => ({ ...entry, label: localizeText(entry.label, appLocale()) }));
	}
	return localized;
}
