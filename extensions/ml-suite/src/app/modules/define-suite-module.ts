import { defineModule } from '@directus/extensions-sdk';
import type { ModuleConfig } from '@directus/types';
import { moduleName } from '../i18n/module-name.js';
import type { SuiteMessages } from '../i18n/messages.js';

/**
 * One of the suite's modules: its name is translated like Directus's own module names (a getter
 * re-read on every change of the app language), and an admin-only module is registered only for
 * administrators (its `/ml` routes answer nobody else).
 */
export function defineSuiteModule(config: { id: string; title: (messages: SuiteMessages) => string; icon: string; routes: ModuleConfig['routes']; adminOnly: boolean }): ModuleConfig {
	return defineModule({
		id: config.id,
		get name() {
			return moduleName(config.title);
		},
		icon: config.icon,
		routes: config.routes,
		...(config.adminOnly ? { preRegisterCheck: ((user) => user.admin_access === true) satisfies ModuleConfig['preRegisterCheck'] } : {}),
	});
}
