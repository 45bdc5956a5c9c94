import { useI18n, type Composer } from 'vue-i18n';
import { messages } from './messages.js';

/** What the suite's components use of the composer. */
export interface SuiteI18n {
	t: Composer['t'];
	te: Composer['te'];
	locale: Composer['locale'];
}

/**
 * The suite's strings through the Directus app's own vue-i18n (a shared dependency of app
 * extensions, so this is the app's instance): a local composer holding the suite's messages that
 * follows the user's app language (`inheritLocale`) and falls back to English like the app does.
 * Call it in a component's `setup`.
 */
export function useSuiteI18n(): SuiteI18n {
	const composer = useI18n({ messages, inheritLocale: true, fallbackLocale: 'en-US', useScope: 'local' }) as unknown as Composer;
	return { t: composer.t, te: composer.te, locale: composer.locale };
}
