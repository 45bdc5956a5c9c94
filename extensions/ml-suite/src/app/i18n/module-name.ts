import { messages, type SuiteMessages } from './messages.js';

/**
 * The app's language: Directus sets `<html lang>` in the same step as its i18n locale whenever the
 * user's language changes (and at sign-in).
 */
export function appLocale(): string {
	return (typeof document !== 'undefined' && document.documentElement.lang) || 'en-US';
}

/** The suite catalogue for a Directus locale code (exact, then same language, then English). */
export function catalogueFor(locale: string): SuiteMessages {
	const language = locale.split('-')[0];
	return messages[locale] ?? Object.entries(messages).find(([code]) => code.split('-')[0] === language)?.[1] ?? (messages['en-US'] as SuiteMessages);
}

/**
 * A module's name in the user's language. Directus re-reads every module's `name` when the app
 * language changes (that is how its own `$t:` names are translated), so a module defines `name`
 * as a getter returning this. `$t:` itself only resolves keys of the app's global catalogue,
 * which an extension cannot add to before the module bar is drawn.
 */
export function moduleName(pick: (messages: SuiteMessages) => string): string {
	return pick(catalogueFor(appLocale()));
}
